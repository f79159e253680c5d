"""Command line shared by every service: `python -m <service> serve|migrate|...`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from porttrust_shared.logs import configure_logging
from porttrust_shared.migrations import upgrade
from porttrust_shared.settings import ServiceSettings

Command = Callable[[argparse.Namespace, Any], Awaitable[int] | int]


def run_cli(
    *,
    prog: str,
    settings_cls: type[ServiceSettings],
    create_app: Callable[[Any], FastAPI],
    service_dir: Path,
    commands: Sequence[tuple[str, str, Callable[[argparse.ArgumentParser], None], Command]] = (),
    argv: Sequence[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the database, then serve HTTP")
    serve.add_argument("--no-migrate", action="store_true")
    sub.add_parser("migrate", help="apply Alembic migrations up to head")
    handlers: dict[str, Command] = {}
    for name, help_text, configure, handler in commands:
        configure(sub.add_parser(name, help=help_text))
        handlers[name] = handler
    args = parser.parse_args(argv)
    settings = settings_cls()
    configure_logging(settings.log_level)
    if args.command in ("serve", "migrate") and not getattr(args, "no_migrate", False):
        upgrade(service_dir, settings.database_url)
    if args.command == "serve":
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_config=None, access_log=False, proxy_headers=True)
        return 0
    if args.command == "migrate":
        return 0
    result = handlers[args.command](args, settings)
    return asyncio.run(result) if asyncio.iscoroutine(result) else int(result)  # type: ignore[arg-type]
