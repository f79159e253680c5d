"""Async SQLAlchemy engines for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, MetaData, SmallInteger, event
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def holds_integer(column: Any, value: int) -> bool:
    """Whether an integer column (a mapped attribute) can hold `value`: PostgreSQL refuses to
    compare a column with a number past its type's range (a 500), so a value outside it
    names no row and is answered before any query."""
    kind = column.type
    kind = kind.impl_instance if isinstance(kind, TypeDecorator) else kind
    limit = 2 ** (63 if isinstance(kind, BigInteger) else 15 if isinstance(kind, SmallInteger)
                  else 31)
    return -limit <= value < limit


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use timezone-aware UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are begun by hand (below) so SQLite's driver does not defer them.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY: dict[str, Any] = {"porttrust_read_only": True}
_NO_BEGIN = "porttrust_no_begin"


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout instead of
    # one failing when its read snapshot cannot be upgraded. A connection marked READ_ONLY
    # (execution_options(**READ_ONLY)) begins deferred and reads beside a writer (WAL).
    # AUTOCOMMIT (read sessions) begins nothing: each statement is its own read snapshot.
    options = conn.get_execution_options()
    if options.get(_NO_BEGIN, False):
        return
    read_only = options.get("porttrust_read_only", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


# --- dialects --------------------------------------------------------------------------
# Production runs on PostgreSQL, development and the first test pass on SQLite. The places
# that differ ask these three instead of comparing dialect names or drivers themselves.

Bind = AsyncSession | Session | AsyncConnection | AsyncEngine | Connection | Engine


def _dialect(bind: Bind) -> Dialect:
    if isinstance(bind, AsyncSession | Session):
        return bind.get_bind().dialect
    return bind.dialect


def is_postgres(bind: Bind) -> bool:
    """The session (its bind), connection or engine talks to PostgreSQL. In a migration:
    `is_postgres(op.get_bind())`."""
    return _dialect(bind).name == "postgresql"


def is_sqlite(bind: Bind) -> bool:
    return _dialect(bind).name == "sqlite"


def pooled_postgres(factory: async_sessionmaker[AsyncSession]) -> AsyncEngine | None:
    """The PostgreSQL (asyncpg) engine `factory` opens its sessions on, as in production;
    None on SQLite, or when the factory is bound to one connection (a test's rolled-back
    transaction). For the fast paths that take connections of their own from the pool:
    asyncpg's prepared statements and COPY, two statements at a time."""
    bind = factory.kw.get("bind")
    if isinstance(bind, AsyncEngine) and bind.dialect.driver == "asyncpg":
        return bind
    return None


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine with the right settings for its backend."""
    if make_url(url).get_backend_name() == "sqlite":
        if (path := sqlite_file(url)) is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    ping_idle = "pool_pre_ping" not in kwargs
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    engine = create_async_engine(url, **kwargs)
    if ping_idle:
        _ping_when_idle(engine)
    return engine


# A pooled connection idle this long is pinged before it is handed out; one used more
# recently is handed out as is. SQLAlchemy's pool_pre_ping pings on *every* checkout, which on
# asyncpg is three round trips (BEGIN, ";", ROLLBACK) per request, more than a GET by key costs.
# The connections that go stale (server restart, idle timeouts, a failover) are the idle ones;
# a busy one that breaks is still invalidated by SQLAlchemy's disconnect handling.
PING_AFTER_IDLE_SECONDS = 2.0
_IDLE_SINCE = "porttrust_idle_since"


def _ping_when_idle(engine: AsyncEngine) -> None:
    dialect = engine.sync_engine.dialect

    def checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError("stale pooled connection") from exc
        if alive is False:
            raise DisconnectionError("stale pooled connection")

    event.listen(engine.sync_engine.pool, "checkin", checkin)
    event.listen(engine.sync_engine.pool, "checkout", checkout)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def session_scope(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncGenerator[AsyncSession, None]:
    """One transaction per request: commit on success, roll back on any error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# A read-only request needs no transaction of its own: each statement reads a committed
# snapshot, and the BEGIN/COMMIT round trips (PostgreSQL) or thread hops (aiosqlite) are
# skipped. On SQLite it never takes the write lock, so it reads beside a writer (WAL).
_READ_OPTIONS: dict[str, dict[str, Any]] = {
    "sqlite": {**READ_ONLY, _NO_BEGIN: True},
    "postgresql": {**READ_ONLY, "isolation_level": "AUTOCOMMIT"},
}


async def read_session_scope(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncGenerator[AsyncSession, None]:
    """A session for a handler that only reads: nothing is committed and no transaction is
    opened (each query is its own snapshot: read related rows in one query). Never write
    through it."""
    async with factory() as session:
        bind = session.get_bind()
        if not isinstance(bind, Connection):  # tests bind sessions to an open transaction
            await session.connection(
                execution_options=_READ_OPTIONS.get(bind.dialect.name, READ_ONLY))
        yield session  # closing the session rolls back whatever it began


@contextlib.asynccontextmanager
async def read_session(factory: async_sessionmaker[AsyncSession],
                       ) -> AsyncIterator[AsyncSession]:
    """`read_session_scope` as `async with read_session(factory) as session:`."""
    async with contextlib.aclosing(read_session_scope(factory)) as scope:
        async for session in scope:
            yield session


# Compiled once per statement: its SQL for asyncpg ($1, $2, ...) and its parameter names.
_PG_SQL: dict[int, tuple[Select[Any], str, tuple[str, ...], dict[str, Any]]] = {}


def _pg_sql(statement: Select[Any],
            engine: AsyncEngine) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The statement's SQL, its parameter names in order, and the values of the parameters
    the statement fixes itself (literals in it, e.g. `kind == "service"` in a subquery)."""
    cached = _PG_SQL.get(id(statement))
    if cached is None or cached[0] is not statement:
        compiled = statement.compile(dialect=engine.dialect)
        cached = (statement, compiled.string, tuple(compiled.positiontup or ()),
                  dict(compiled.params))
        _PG_SQL[id(statement)] = cached
    return cached[1], cached[2], cached[3]


async def fetch_row(factory: async_sessionmaker[AsyncSession], statement: Select[Any],
                    params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first row of a read-only Core SELECT as a dict by column name, or None.

    On PostgreSQL (asyncpg) with the factory bound to its engine, as in production: one
    pooled driver connection and asyncpg's cached prepared statement, with no ORM session and
    no transaction, so the row is one committed snapshot. Only for statements whose columns
    need no SQLAlchemy result processing (strings, numbers, booleans, UTC timestamps).
    Otherwise (SQLite, or a factory bound to a test's open connection): a read session."""
    bind = pooled_postgres(factory)
    if bind is not None:
        sql, names, fixed = _pg_sql(statement, bind)
        pooled = await bind.raw_connection()
        driver: Any = pooled.driver_connection
        try:
            record = await driver.fetchrow(sql, *(params[name] if name in params
                                                  else fixed[name] for name in names))
        except Exception as exc:
            if not driver.is_closed():
                raise
            # A connection that died is dropped, not pooled, and answers as the ORM path
            # would: an OperationalError (503 problem).
            pooled.invalidate(exc)
            raise OperationalError(sql, None, exc) from exc
        finally:
            pooled.close()
        return None if record is None else dict(record.items())
    async with read_session(factory) as session:
        row = (await session.execute(statement, dict(params))).mappings().first()
        return None if row is None else dict(row)
