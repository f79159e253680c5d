"""The read path: read-only sessions, pings only for idle pooled connections, cheap scrubbing."""

import asyncio
import os

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from porttrust_shared import db
from porttrust_shared.db import create_engine, read_session_scope, session_factory
from porttrust_shared.logs import scrub
from porttrust_shared.testing import POSTGRES_ENV

postgres_only = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV),
                                   reason=f"needs {POSTGRES_ENV}")


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
    async for session in read_session_scope(session_factory(engine)):
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


@postgres_only
async def test_a_read_session_opens_no_transaction_on_postgresql(postgres):
    async for session in read_session_scope(session_factory(postgres)):
        first = (await session.execute(text("SELECT now()"))).scalar()
        await asyncio.sleep(0.01)
        second = (await session.execute(text("SELECT now()"))).scalar()
    assert first != second  # now() is the transaction's start: each statement is its own


@postgres_only
async def test_a_pooled_connection_that_died_while_idle_is_replaced(postgres, monkeypatch):
    async with postgres.connect() as conn:
        dead = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
    admin = create_engine(os.environ[POSTGRES_ENV], poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
    await admin.dispose()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    async with postgres.connect() as conn:
        alive = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
    assert alive != dead


@postgres_only
async def test_a_connection_used_just_now_is_handed_out_without_a_ping(postgres, monkeypatch):
    pings = []
    dialect = postgres.sync_engine.dialect
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(conn) or True)
    for _ in range(3):
        async with postgres.connect() as conn:
            await conn.execute(text("SELECT 1"))
    assert pings == []


def test_a_line_without_a_long_digit_run_is_left_as_written():
    line = '{"msg": "GET /v1/sub-ports/{number} 200", "duration_ms": 1.25}'
    assert scrub(line) == line


def test_a_phone_inside_a_line_is_still_masked():
    assert scrub("called 13812345678.") == "called 138****5678."
