"""Engines: SQLite in WAL mode with a busy timeout; datetimes always timezone-aware UTC."""

import datetime as dt

import pytest
from sqlalchemy import text

from porttrust_shared.db import READ_ONLY, UTCDateTime, create_engine, new_id, utcnow


@pytest.fixture
async def sqlite(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'x.db'}")
    yield engine
    await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite):
    async with sqlite.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 10000
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_a_read_only_connection_reads_beside_a_writer(sqlite):
    async with sqlite.connect() as writer:
        await writer.execute(text("CREATE TABLE t (x INTEGER)"))
        await writer.commit()
        await writer.execute(text("INSERT INTO t VALUES (1)"))
        async with sqlite.connect() as reader:
            await reader.execution_options(**READ_ONLY)
            assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        UTCDateTime().process_bind_param(dt.datetime(2026, 1, 1), None)


def test_datetimes_are_stored_and_read_as_utc():
    china = dt.timezone(dt.timedelta(hours=8))
    stored = UTCDateTime().process_bind_param(dt.datetime(2026, 1, 1, 8, tzinfo=china), None)
    assert stored == dt.datetime(2026, 1, 1, 0, tzinfo=dt.UTC)
    read = UTCDateTime().process_result_value(dt.datetime(2026, 1, 1), None)
    assert read.tzinfo is dt.UTC


def test_ids_and_clock():
    assert len(new_id()) == 32
    assert new_id() != new_id()
    assert utcnow().tzinfo is dt.UTC
