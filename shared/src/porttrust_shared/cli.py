"""Command line shared by every service: `python -m <service> serve|migrate|...`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from porttrust_shared.db import sqlite_file
from porttrust_shared.logs import configure_logging
from porttrust_shared.migrations import upgrade
from porttrust_shared.serving import bounded_protocol
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
                    log_config=None, access_log=False, proxy_headers=True,
                    http=bounded_protocol(max_head_bytes=settings.max_header_bytes,
                                          max_headers=settings.max_headers))
        return 0
    if args.command == "migrate":
        return 0
    return _run_command(prog, handlers[args.command], args, settings)


def _run_command(prog: str, handler: Command, args: argparse.Namespace,
                 settings: ServiceSettings) -> int:
    """A maintenance command on an existing database: a missing or unreachable one is a
    one-line message and exit 1, never a traceback (nor a new empty SQLite file)."""
    missing = _missing_sqlite_file(settings.database_url)
    if missing is not None:
        print(f"{prog}: no database at {missing}; start the service once (or run "
              f"`python -m {prog} migrate`), or point PORTTRUST_VAR_DIR / "
              f"{prog.upper()}_DATABASE_URL at the existing one.", file=sys.stderr)
        return 1
    try:
        result = handler(args, settings)
        return asyncio.run(result) if asyncio.iscoroutine(result) else int(result)  # type: ignore[arg-type]
    except (DBAPIError, OSError) as exc:
        print(f"{prog}: the database cannot be used ({type(exc).__name__}); is it reachable "
              f"and migrated (`python -m {prog} migrate`)?", file=sys.stderr)
        return 1


def _missing_sqlite_file(url: str) -> Path | None:
    path = sqlite_file(url)
    return None if path is None or path.exists() else path
