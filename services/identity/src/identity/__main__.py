"""`python -m identity serve|migrate|create-client|rotate-key`."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from identity.main import create_app
from identity.schemas import ClientCreate
from identity.service import identities, keys
from identity.settings import Settings
from porttrust_shared.cli import run_cli
from porttrust_shared.db import create_engine, session_factory
from porttrust_shared.errors import Problem
from porttrust_shared.pii import PiiCipher

SERVICE_DIR = Path(__file__).resolve().parents[2]


def _client_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True)
    parser.add_argument("--roles", required=True, help="comma-separated, e.g. gateway")
    parser.add_argument("--province", default="HQ")
    parser.add_argument("--client-id", default=None)


async def _create_client(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = ClientCreate(name=args.name, roles=args.roles.split(","),
                            province=args.province, client_id=args.client_id)
    except ValidationError as exc:
        for error in exc.errors():
            print(f"{'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            created = await identities.create_client(session, data=data, actor="cli")
            await session.commit()
    except Problem as exc:
        print(exc.detail or exc.title, file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(f"client_id={created.client_id}\nclient_secret={created.client_secret}")
    print("The secret is shown once; store it now.", file=sys.stderr)
    return 0


async def _rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    cipher = PiiCipher(settings.pii_keys, settings.blind_index_key)
    async with session_factory(engine)() as session:
        row = await keys.rotate(session, cipher)
        await session.commit()
    await engine.dispose()
    print(f"new signing key {row.kid}; earlier keys verify until their tokens expire")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli(
        prog="identity", settings_cls=Settings, create_app=create_app, service_dir=SERVICE_DIR,
        commands=[
            ("create-client", "register a machine client and print its secret once",
             _client_args, _create_client),
            ("rotate-key", "start signing with a new key", lambda p: None, _rotate_key),
        ],
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
