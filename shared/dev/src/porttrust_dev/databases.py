"""Throwaway databases for tests and benchmarks.

Which database the tests run on (`choose_test_database`: PostgreSQL wherever one answers on
127.0.0.1:5432, SQLite otherwise or when asked for), and fresh PostgreSQL databases made and
dropped through an admin URL (one that may create databases).
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterable, MutableMapping

from sqlalchemy import text
from sqlalchemy.engine import make_url

from porttrust_shared.db import create_engine

POSTGRES_ENV = "PORTTRUST_TEST_POSTGRES_URL"  # the admin URL the tests make databases with
TEST_DB_ENV = "PORTTRUST_TEST_DB"  # "sqlite" forces SQLite, "postgres" insists on PostgreSQL
LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PROBE_SECONDS = 0.1
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def postgres_answers(host: str = "127.0.0.1", port: int = 5432,
                     timeout: float = PROBE_SECONDS) -> bool:
    """A PostgreSQL server listens at host:port: it answers the protocol's SSLRequest with
    'S' or 'N' (anything else on that port, or nothing, is not one)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(_SSL_REQUEST)
            return sock.recv(1) in (b"S", b"N")
    except OSError:
        return False


def choose_test_database(environ: MutableMapping[str, str] = os.environ) -> str:
    """Decide the tests' database once per run, before anything reads it, and say which.

    `PORTTRUST_TEST_DB=sqlite` runs on SQLite whatever else is set. Otherwise an explicit
    `PORTTRUST_TEST_POSTGRES_URL` is used; without one, the local server
    (`LOCAL_POSTGRES`) is used when it answers on 127.0.0.1:5432 (or always with
    `PORTTRUST_TEST_DB=postgres`, so that a missing server fails the run), else SQLite.
    The choice is left in `PORTTRUST_TEST_POSTGRES_URL` (set = PostgreSQL) for every test,
    fixture and process the tests start."""
    choice = environ.get(TEST_DB_ENV, "").strip().lower()
    if choice not in ("", "sqlite", "postgres"):
        raise ValueError(f"{TEST_DB_ENV} is 'sqlite', 'postgres' or unset, not {choice!r}")
    if choice == "sqlite":
        environ.pop(POSTGRES_ENV, None)
        return f"SQLite ({TEST_DB_ENV}=sqlite)"
    if environ.get(POSTGRES_ENV):
        return f"PostgreSQL ({POSTGRES_ENV})"
    if choice == "postgres" or postgres_answers():
        environ[POSTGRES_ENV] = LOCAL_POSTGRES
        return (f"PostgreSQL ({LOCAL_POSTGRES}, found on 127.0.0.1:5432; "
                f"{TEST_DB_ENV}=sqlite for SQLite)")
    return "SQLite (no PostgreSQL on 127.0.0.1:5432)"


def database_url(admin_url: str, name: str) -> str:
    """`admin_url` pointed at database `name` (password kept)."""
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def admin_sql(admin_url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE) on the admin URL."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _drop(name: str) -> str:
    return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


async def create_databases(admin_url: str, names: Iterable[str]) -> list[str]:
    """New, empty databases (each dropped first if it exists): their URLs, in order."""
    names = list(names)
    await admin_sql(admin_url, *(s for n in names for s in (_drop(n), f'CREATE DATABASE "{n}"')))
    return [database_url(admin_url, name) for name in names]


async def fresh_postgres(admin_url: str, name: str) -> str:
    """A new, empty database `name` (dropped first if it exists): its URL."""
    (url,) = await create_databases(admin_url, [name])
    return url


async def drop_databases(admin_url: str, names: Iterable[str]) -> None:
    await admin_sql(admin_url, *(_drop(name) for name in names))
