"""The read path: read-only sessions, pings only for idle pooled connections, cheap scrubbing."""

import asyncio
import contextlib
import datetime as dt
import os

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from porttrust_dev.databases import POSTGRES_ENV
from porttrust_shared import db
from porttrust_shared.db import create_engine, read_session_scope, session_factory
from porttrust_shared.pii import scrub


@pytest.fixture
async def sqlite(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    yield engine
    await engine.dispose()


@pytest.fixture
async def postgres():
    engine = create_engine(os.environ[POSTGRES_ENV], pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


async def _read(engine, sql):
    # aclosing: a `return` inside the loop would leave the generator, and the connection its
    # session holds, to the garbage collector (an unclosed aiosqlite connection warns then,
    # in whichever later test the collection happens to run).
    async with contextlib.aclosing(read_session_scope(session_factory(engine))) as scope:
        async for session in scope:
            return (await session.execute(text(sql))).scalar()
    raise AssertionError("read_session_scope yielded nothing")


async def test_a_read_session_reads_beside_a_sqlite_writer_holding_the_lock(sqlite):
    async with sqlite.connect() as writer:
        await writer.execute(text("CREATE TABLE t (x INTEGER)"))
        await writer.commit()
        await writer.execute(text("INSERT INTO t VALUES (1)"))  # BEGIN IMMEDIATE, not committed
        count = await asyncio.wait_for(_read(sqlite, "SELECT count(*) FROM t"), timeout=5)
    assert count == 0


async def test_a_read_session_opens_no_transaction_on_sqlite(sqlite):
    async for session in read_session_scope(session_factory(sqlite)):
        await session.execute(text("SELECT 1"))
        raw = await (await session.connection()).get_raw_connection()
        assert not raw.driver_connection.in_transaction


@pytest.mark.postgres
async def test_a_read_session_opens_no_transaction_on_postgresql(postgres):
    async for session in read_session_scope(session_factory(postgres)):
        first = (await session.execute(text("SELECT now()"))).scalar()
        await asyncio.sleep(0.01)
        second = (await session.execute(text("SELECT now()"))).scalar()
    assert first != second  # now() is the transaction's start: each statement is its own


async def kill_pooled_connection(engine):
    """Terminate the server side of the connection `engine`'s pool hands out next, as a
    restart or an idle timeout would; its backend pid."""
    async with engine.connect() as conn:
        dead = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
    admin = create_engine(os.environ[POSTGRES_ENV], poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
    await admin.dispose()
    return dead


@pytest.mark.postgres
async def test_a_pooled_connection_that_died_while_idle_is_replaced(postgres, monkeypatch):
    dead = await kill_pooled_connection(postgres)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    async with postgres.connect() as conn:
        alive = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
    assert alive != dead


@pytest.mark.postgres
async def test_a_connection_used_just_now_is_handed_out_without_a_ping(postgres, monkeypatch):
    pings = []
    dialect = postgres.sync_engine.dialect
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(conn) or True)
    for _ in range(3):
        async with postgres.connect() as conn:
            await conn.execute(text("SELECT 1"))
    assert pings == []


_TABLE = f"fetch_rows_{os.getpid()}"  # test runs beside each other do not share it
_ROWS = sa.table(_TABLE, sa.column("id", sa.String), sa.column("n", sa.BigInteger),
                 sa.column("ok", sa.Boolean), sa.column("at", db.UTCDateTime()))
_BY_ID = sa.select(_ROWS).where(_ROWS.c.id == sa.bindparam("id"))
_CREATE = "CREATE TABLE {} (id VARCHAR(8) PRIMARY KEY, n BIGINT, ok BOOLEAN, at {})"


async def _seed_rows(engine, timestamp_type):
    async with engine.begin() as conn:
        await conn.execute(text(_CREATE.format(_TABLE, timestamp_type)))
        await conn.execute(sa.insert(_ROWS), [{"id": "a", "n": 7, "ok": True,
                                               "at": dt.datetime(2026, 1, 2, 3, tzinfo=dt.UTC)}])


@pytest.fixture
async def pg_rows(postgres):
    await _seed_rows(postgres, "TIMESTAMPTZ")
    yield postgres
    async with postgres.begin() as conn:
        await conn.execute(text(f"DROP TABLE IF EXISTS {_TABLE}"))


@pytest.mark.postgres
async def test_fetch_row_on_postgresql_gives_what_a_read_session_gives(pg_rows):
    postgres = pg_rows
    sessions = session_factory(postgres)
    async for session in read_session_scope(sessions):
        expected = dict((await session.execute(_BY_ID, {"id": "a"})).mappings().one())
    assert await db.fetch_row(sessions, _BY_ID, {"id": "a"}) == expected


@pytest.mark.postgres
async def test_fetch_row_on_postgresql_answers_none_for_no_row(pg_rows):
    postgres = pg_rows
    assert await db.fetch_row(session_factory(postgres), _BY_ID, {"id": "zz"}) is None


@pytest.mark.postgres
async def test_fetch_row_on_postgresql_drops_a_connection_that_died(pg_rows):
    postgres = pg_rows
    dead = await kill_pooled_connection(postgres)
    with pytest.raises(OperationalError):
        await db.fetch_row(session_factory(postgres), _BY_ID, {"id": "a"})
    async with postgres.connect() as conn:
        assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar() != dead


async def test_fetch_row_on_sqlite_reads_through_a_read_session(sqlite):
    await _seed_rows(sqlite, "TIMESTAMP")
    row = await db.fetch_row(session_factory(sqlite), _BY_ID, {"id": "a"})
    assert row == {"id": "a", "n": 7, "ok": True,
                   "at": dt.datetime(2026, 1, 2, 3, tzinfo=dt.UTC)}


def test_a_line_without_a_long_digit_run_is_left_as_written():
    line = '{"msg": "GET /v1/sub-ports/{number} 200", "duration_ms": 1.25}'
    assert scrub(line) == line


def test_a_phone_inside_a_line_is_still_masked():
    assert scrub("called 13812345678.") == "called 138****5678."
