"""The change feed and its read cache (porttrust_shared.changes).

The cache's rules are checked on a feed whose `live` and `generation` are set by hand; the
session events on SQLite; the feed itself on a real PostgreSQL database (LISTEN/NOTIFY, a
killed listener, reconnecting).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import String, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool

from porttrust_dev.testing import drop_postgres, fresh_test_database, separate_engine
from porttrust_shared import changes
from porttrust_shared.changes import CHANNEL, ChangeFeed, ReadCache, change_trigger_sql
from porttrust_shared.db import create_engine, new_metadata, session_factory


class Counter:
    """A loader that counts its calls and answers a new value each time."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        return f"value-{self.calls}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # Only the module's own view of time: asyncio's loop keeps the real clock.
    fake = Clock()
    monkeypatch.setattr(changes, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


@functools.cache
def unconnected() -> AsyncEngine:
    """An asyncpg engine nothing ever connects through: a feed on it could go live, so it hands
    out caches, and a test sets its `live` and `generation` by hand."""
    return create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")


def live_feed(**kwargs: Any) -> ChangeFeed:
    feed = ChangeFeed(unconnected(), **kwargs)
    feed.live = True
    return feed


def cache_of(feed: ChangeFeed) -> ReadCache[Any, Any]:
    found = feed.cache("things")
    assert found is not None
    return found


# ------------------------------------------------------------------ the cache's rules


async def test_a_value_read_while_nothing_changed_is_served_from_memory() -> None:
    cache, load = cache_of(live_feed()), Counter()
    first = await cache.read("a", load)
    second = await cache.read("a", load)
    assert (first, second, load.calls) == ("value-1", "value-1", 1)


async def test_a_key_not_read_yet_is_a_miss() -> None:
    cache = cache_of(live_feed())
    await cache.read("a", Counter())
    assert cache.peek("b") == (False, None)
    assert cache.peek("a") == (True, "value-1")


async def test_a_missing_record_is_cached_as_none_like_any_value() -> None:
    cache, calls = cache_of(live_feed()), []

    async def absent() -> None:
        calls.append(1)

    assert await cache.read("a", absent) is None
    assert await cache.read("a", absent) is None
    assert cache.peek("a") == (True, None)
    assert len(calls) == 1


async def test_a_change_drops_every_cached_value() -> None:
    feed = live_feed()
    cache, other, load = cache_of(feed), feed.cache("others"), Counter()
    assert other is not None
    await cache.read("a", load)
    await cache.read("b", load)
    await other.read("c", load)
    feed.bump()
    assert [cache.peek("a"), cache.peek("b"), other.peek("c")] == [(False, None)] * 3
    assert await cache.read("a", load) == "value-4"


async def test_a_load_racing_a_change_is_answered_but_not_kept() -> None:
    feed = live_feed()
    cache = cache_of(feed)

    async def load_while_it_changes() -> str:
        feed.bump()  # a commit lands while the row is being read
        return "old"

    assert await cache.read("a", load_while_it_changes) == "old"
    assert cache.peek("a") == (False, None)


def test_a_token_taken_before_a_change_cannot_store() -> None:
    feed = live_feed()
    cache = cache_of(feed)
    token = cache.token()
    feed.bump()
    cache.put("a", "old", token)
    assert cache.peek("a") == (False, None)
    cache.put("a", "new", cache.token())
    assert cache.peek("a") == (True, "new")


async def test_nothing_is_served_or_kept_while_the_feed_is_not_live() -> None:
    feed = ChangeFeed(unconnected())
    cache, load = cache_of(feed), Counter()
    assert cache.token() is None
    await cache.read("a", load)
    await cache.read("a", load)
    cache.put("a", "forced", feed.generation)
    assert load.calls == 2
    assert cache.peek("a") == (False, None)


async def test_a_value_kept_while_live_is_not_served_once_the_feed_is_down() -> None:
    feed = live_feed()
    cache, load = cache_of(feed), Counter()
    await cache.read("a", load)
    feed.live = False  # even without a bump: down means every read goes to the database
    assert cache.peek("a") == (False, None)
    assert await cache.read("a", load) == "value-2"


def test_a_load_that_outlived_the_listener_is_not_kept() -> None:
    feed = live_feed()
    cache = cache_of(feed)
    token = cache.token()
    feed.live = False
    cache.put("a", "old", token)
    feed.live = True
    assert cache.peek("a") == (False, None)


def test_a_value_expires_after_max_age(clock: Clock) -> None:
    feed = live_feed(max_age=5.0)
    cache = cache_of(feed)
    cache.put("a", "v", cache.token())
    clock.now += 4.999
    assert cache.peek("a") == (True, "v")
    clock.now += 0.001
    assert cache.peek("a") == (False, None)


def test_valid_for_shortens_a_value_s_life(clock: Clock) -> None:
    cache = cache_of(live_feed(max_age=5.0))
    cache.put("a", "v", cache.token(), valid_for=1.0)
    clock.now += 0.999
    assert cache.peek("a") == (True, "v")
    clock.now += 0.001
    assert cache.peek("a") == (False, None)


def test_valid_for_never_stretches_a_value_past_max_age(clock: Clock) -> None:
    cache = cache_of(live_feed(max_age=5.0))
    cache.put("a", "v", cache.token(), valid_for=60.0)
    clock.now += 5.0
    assert cache.peek("a") == (False, None)


@pytest.mark.parametrize("seconds", [0.0, -1.0])
def test_a_value_valid_for_no_time_is_not_kept(clock: Clock, seconds: float) -> None:
    cache = cache_of(live_feed(max_age=5.0))
    cache.put("a", "v", cache.token(), valid_for=seconds)
    assert cache.peek("a") == (False, None)


def test_the_cache_holds_at_most_max_entries() -> None:
    cache = cache_of(live_feed(max_entries=10))
    for n in range(1000):
        cache.put(n, n, cache.token())
    held = [n for n in range(1000) if cache.peek(n)[0]]
    assert 1 <= len(held) <= 10
    assert 999 in held


def test_one_cache_per_name() -> None:
    feed = ChangeFeed(unconnected())
    assert feed.cache("a") is feed.cache("a")
    assert feed.cache("a") is not feed.cache("b")


def test_no_cache_for_sessions_not_bound_to_the_feed_s_engine() -> None:
    engine = unconnected()
    other = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/other")
    feed = ChangeFeed(engine)
    assert feed.cache("x", session_factory(engine)) is feed.cache("x") is not None
    assert feed.cache("x", session_factory(other)) is None
    # As the tests' sessions, bound to one uncommitted transaction (never opened here).
    assert feed.cache("x", async_sessionmaker(bind=engine.connect())) is None


async def test_stopping_a_feed_drops_its_cached_values() -> None:
    feed = live_feed()
    cache = cache_of(feed)
    await cache.read("a", Counter())
    await feed.stop()
    feed.live = True
    assert cache.peek("a") == (False, None)


async def test_only_postgresql_through_asyncpg_with_a_max_age_can_go_live(
        tmp_path: Path) -> None:
    sqlite = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    postgres = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        assert ChangeFeed(postgres).enabled
        assert not ChangeFeed(postgres, max_age=0).enabled
        assert not ChangeFeed(sqlite).enabled
        assert not ChangeFeed(None).enabled
        for off in (ChangeFeed(postgres, max_age=0), ChangeFeed(sqlite), ChangeFeed(None)):
            assert off.cache("x") is None  # nothing to hand out: it could never serve
        feed = ChangeFeed(sqlite)
        await feed.start()
        assert not await feed.wait_live(0.05)
        assert feed not in changes._FEEDS
        await feed.stop()
    finally:
        await sqlite.dispose()
        await postgres.dispose()


# ------------------------------------------------------------ this process's commits


class Base(DeclarativeBase):
    metadata = new_metadata()


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    note: Mapped[str] = mapped_column(String(64))


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'things.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def started() -> Iterator[ChangeFeed]:
    """A feed this process's commits move on, as `start()` registers it (PostgreSQL aside)."""
    feed = live_feed()
    changes._FEEDS.add(feed)
    yield feed
    changes._FEEDS.discard(feed)


async def test_a_commit_that_wrote_moves_started_feeds_on(sqlite_engine: AsyncEngine,
                                                          started: ChangeFeed) -> None:
    idle, before = ChangeFeed(None), started.generation
    async with session_factory(sqlite_engine)() as session:
        session.add(Thing(note="a"))
        await session.commit()
    assert started.generation == before + 1
    assert idle.generation == 0


async def test_a_commit_that_only_read_moves_nothing(sqlite_engine: AsyncEngine,
                                                     started: ChangeFeed) -> None:
    async with session_factory(sqlite_engine)() as session:
        session.add(Thing(note="a"))
        await session.commit()
    before = started.generation
    async with session_factory(sqlite_engine)() as session:
        await session.get(Thing, 1)
        (await session.execute(select(Thing))).scalars().all()
        await session.commit()
    assert started.generation == before


async def test_a_dml_statement_through_the_session_counts_as_a_write(
        sqlite_engine: AsyncEngine, started: ChangeFeed) -> None:
    before = started.generation
    async with session_factory(sqlite_engine)() as session:
        await session.execute(insert(Thing), [{"note": "a"}, {"note": "b"}])
        await session.execute(update(Thing).values(note="c"))
        await session.commit()
    assert started.generation == before + 1


async def test_a_rolled_back_write_moves_nothing_and_leaves_no_mark(
        sqlite_engine: AsyncEngine, started: ChangeFeed) -> None:
    before = started.generation
    async with session_factory(sqlite_engine)() as session:
        session.add(Thing(note="a"))
        await session.flush()
        await session.rollback()
        await session.execute(select(Thing))
        await session.commit()  # the read-only transaction after it
    assert started.generation == before


class Other(Base):
    __tablename__ = "others"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)


@pytest.fixture
def watching_things(started: ChangeFeed) -> ChangeFeed:
    """`started`, whose only cache reads the `things` table."""
    assert started.cache("things", tables=["things"]) is not None
    return started


async def test_a_commit_that_wrote_only_other_tables_leaves_the_caches_alone(
        sqlite_engine: AsyncEngine, watching_things: ChangeFeed) -> None:
    before = watching_things.generation
    async with session_factory(sqlite_engine)() as session:
        session.add(Other())  # a send-log row, say: no cached answer reads it
        await session.commit()
    assert watching_things.generation == before
    async with session_factory(sqlite_engine)() as session:
        session.add_all([Other(), Thing(note="read by a cache")])
        await session.commit()
    assert watching_things.generation == before + 1


async def test_dml_names_its_table_and_text_counts_as_any_table(
        sqlite_engine: AsyncEngine, watching_things: ChangeFeed) -> None:
    before = watching_things.generation
    async with session_factory(sqlite_engine)() as session:
        await session.execute(insert(Other).values())
        await session.commit()
    assert watching_things.generation == before
    async with session_factory(sqlite_engine)() as session:
        await session.execute(update(Thing).values(note="x"))
        await session.commit()
    assert watching_things.generation == before + 1
    async with session_factory(sqlite_engine)() as session:
        await session.execute(text("DELETE FROM others"))  # could have been any table
        await session.commit()
    assert watching_things.generation == before + 2


async def test_mark_written_with_tables_counts_only_those(
        sqlite_engine: AsyncEngine, watching_things: ChangeFeed) -> None:
    before = watching_things.generation
    for table, moves in (("others", 0), ("things", 1)):
        async with session_factory(sqlite_engine)() as session:
            changes.mark_written(session, table)  # an AsyncSession is taken as is
            await session.commit()
        assert watching_things.generation == before + moves


async def test_a_cache_that_names_no_tables_makes_every_write_count(
        sqlite_engine: AsyncEngine, watching_things: ChangeFeed) -> None:
    assert watching_things.cache("anything") is not None  # no tables given
    before = watching_things.generation
    async with session_factory(sqlite_engine)() as session:
        session.add(Other())
        await session.commit()
    assert watching_things.generation == before + 1


async def test_mark_written_counts_a_write_the_orm_did_not_see(
        sqlite_engine: AsyncEngine, started: ChangeFeed) -> None:
    before = started.generation
    async with session_factory(sqlite_engine)() as session:
        connection = await session.connection()
        await connection.execute(text("INSERT INTO things (note) VALUES ('copied')"))
        changes.mark_written(session.sync_session)
        await session.commit()
    assert started.generation == before + 1


async def test_a_write_before_a_rolled_back_savepoint_still_moves_the_feed_on(
        sqlite_engine: AsyncEngine, started: ChangeFeed) -> None:
    before = started.generation
    async with session_factory(sqlite_engine)() as session:
        session.add(Thing(note="kept"))
        await session.flush()
        savepoint = await session.begin_nested()
        session.add(Thing(note="dropped"))
        await session.flush()
        await savepoint.rollback()
        await session.commit()
    async with session_factory(sqlite_engine)() as session:
        assert [t.note for t in (await session.execute(select(Thing))).scalars()] == ["kept"]
    assert started.generation == before + 1


# ------------------------------------------------------------------ on PostgreSQL


class RecordingFeed(ChangeFeed):
    """A real feed that also notes each notification's payload (the table, or a marker), so a
    test knows which notifications arrived and in what order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heard: list[str] = []

    def _notified(self, *args: object) -> None:
        self.heard.append(str(args[-1]))
        super()._notified(*args)


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    # Usually milliseconds; generous because a notification has been seen to wait in the
    # listener's backend until the next heartbeat query (see the registry read-cache tests).
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


@pytest.fixture(scope="module")
async def pg_url() -> AsyncIterator[str]:
    """A fresh database with `things` (watched) and `quiet` (not watched)."""
    url = await fresh_test_database(f"pt_test_changes_{os.getpid()}")
    engine = create_engine(url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE things (id serial PRIMARY KEY, note text)"))
        await conn.execute(text("CREATE TABLE quiet (id serial PRIMARY KEY, note text)"))
        for statement in change_trigger_sql("things"):
            await conn.execute(text(statement))
    await engine.dispose()
    yield url
    await drop_postgres(url)


@pytest.fixture
async def writer(pg_url: str) -> AsyncIterator[AsyncEngine]:
    """Another connection's view: Core statements, not this process's ORM sessions."""
    async with separate_engine(pg_url) as engine:
        yield engine


FeedMaker = Callable[..., Awaitable[RecordingFeed]]


@pytest.fixture
async def make_feed(pg_url: str) -> AsyncIterator[FeedMaker]:
    made: list[tuple[RecordingFeed, AsyncEngine]] = []

    async def make(url: str = pg_url, *, live: bool = True, **kwargs: Any) -> RecordingFeed:
        engine = create_engine(url, poolclass=NullPool)
        feed = RecordingFeed(engine, **kwargs)
        made.append((feed, engine))
        await feed.start()
        if live:
            assert await feed.wait_live(10)
        return feed

    yield make
    for feed, engine in made:
        await feed.stop()
        await engine.dispose()


async def heard_through(feed: RecordingFeed, writer: AsyncEngine, marker: str) -> None:
    """Send `marker` and wait until `feed` hears it: notifications arrive in commit order, so
    whatever was committed before it has been heard by then."""
    async with writer.begin() as conn:
        await conn.execute(text("SELECT pg_notify(:c, :m)"), {"c": CHANNEL, "m": marker})
    await eventually(lambda: marker in feed.heard)


async def listener_pid(writer: AsyncEngine) -> int:
    async with writer.connect() as conn:
        pids = (await conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            " AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')"))).scalars().all()
    assert len(pids) == 1, pids
    return int(pids[0])


async def terminate(writer: AsyncEngine, pid: int) -> None:
    async with writer.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@pytest.mark.postgres
async def test_a_commit_on_another_connection_moves_the_generation_on(
        make_feed: FeedMaker, writer: AsyncEngine) -> None:
    feed = await make_feed()
    before = feed.generation
    async with writer.begin() as conn:
        await conn.execute(text("INSERT INTO things (note) VALUES ('a')"))
    await eventually(lambda: feed.generation > before)
    assert feed.heard == ["things"]


@pytest.mark.postgres
async def test_an_uncommitted_or_rolled_back_change_moves_nothing(
        make_feed: FeedMaker, writer: AsyncEngine) -> None:
    feed = await make_feed()
    before = feed.generation
    async with writer.connect() as conn:
        transaction = await conn.begin()
        await conn.execute(text("INSERT INTO things (note) VALUES ('pending')"))
        await conn.execute(text("UPDATE things SET note = 'pending'"))
        # Anything the open transaction had sent would have been heard before the marker.
        await heard_through(feed, writer, "marker-1")
        await transaction.rollback()
    await heard_through(feed, writer, "marker-2")
    assert feed.heard == ["marker-1", "marker-2"]
    assert feed.generation == before + 2


@pytest.mark.postgres
async def test_ten_thousand_rows_in_one_statement_send_one_notification(
        make_feed: FeedMaker, writer: AsyncEngine) -> None:
    feed = await make_feed()
    before = feed.generation
    async with writer.begin() as conn:
        await conn.execute(text("INSERT INTO things (note) SELECT 'n' || g"
                                " FROM generate_series(1, 10000) AS g"))
    await heard_through(feed, writer, "marker")
    assert feed.heard == ["things", "marker"]
    assert feed.generation == before + 2


@pytest.mark.postgres
async def test_ten_thousand_rows_over_many_statements_of_one_transaction_notify_once(
        make_feed: FeedMaker, writer: AsyncEngine) -> None:
    feed = await make_feed()
    before = feed.generation
    async with writer.begin() as conn:
        for start in range(0, 10_000, 100):
            await conn.execute(text("INSERT INTO things (note) SELECT 'n' || g FROM"
                                    " generate_series(CAST(:a AS int), CAST(:b AS int)) g"),
                               {"a": start, "b": start + 99})
        await conn.execute(text("UPDATE things SET note = 'm' WHERE id < 10"))
        await conn.execute(text("DELETE FROM things WHERE id < 5"))
    await heard_through(feed, writer, "marker")
    assert feed.heard == ["things", "marker"]
    assert feed.generation == before + 2


@pytest.mark.postgres
async def test_a_commit_made_here_moves_the_feed_on_before_commit_returns(
        make_feed: FeedMaker, pg_url: str) -> None:
    feed = await make_feed()
    before = feed.generation
    async with separate_engine(pg_url) as engine, session_factory(engine)() as session:
        # `quiet` has no trigger: only the local commit can move the feed on.
        await session.execute(text("INSERT INTO quiet (note) VALUES ('x')"))
        await session.commit()
        assert feed.generation == before + 1
    assert feed.heard == []


@pytest.mark.postgres
async def test_a_live_feed_serves_reads_from_memory(make_feed: FeedMaker) -> None:
    feed = await make_feed()
    cache, load = cache_of(feed), Counter()
    await cache.read("a", load)
    await cache.read("a", load)
    assert load.calls == 1


@pytest.mark.postgres
async def test_killing_the_listener_takes_the_feed_down_at_once(
        make_feed: FeedMaker, writer: AsyncEngine) -> None:
    feed = await make_feed(heartbeat=60.0)  # only the termination itself can tell it
    cache, load = cache_of(feed), Counter()
    await cache.read("a", load)
    await terminate(writer, await listener_pid(writer))
    await eventually(lambda: not feed.live, 1.0)
    for _ in range(3):
        await cache.read("a", load)
    assert load.calls == 4
    assert cache.token() is None


@pytest.mark.postgres
async def test_a_killed_listener_comes_back_by_itself(
        make_feed: FeedMaker, writer: AsyncEngine) -> None:
    feed = await make_feed(heartbeat=0.2, retry=0.05)
    cache = cache_of(feed)
    first = await listener_pid(writer)
    token = cache.token()  # a load that started before the connection was lost
    await terminate(writer, first)
    await eventually(lambda: not feed.live, 1.0)
    await eventually(lambda: feed.live, 5.0)
    cache.put("a", "read before the loss", token)
    assert cache.peek("a") == (False, None)
    assert await listener_pid(writer) != first
    before = feed.generation
    async with writer.begin() as conn:
        await conn.execute(text("INSERT INTO things (note) VALUES ('after')"))
    await eventually(lambda: feed.generation > before)


@pytest.mark.postgres
async def test_a_feed_says_in_the_log_that_it_is_listening(
        make_feed: FeedMaker, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="porttrust.changes"):
        await make_feed()
    assert any("listening" in r.getMessage() for r in caplog.records)


@pytest.mark.postgres
async def test_losing_the_listener_is_logged(make_feed: FeedMaker, writer: AsyncEngine,
                                             caplog: pytest.LogCaptureFixture) -> None:
    feed = await make_feed(heartbeat=0.1, retry=0.05)
    with caplog.at_level(logging.INFO, logger="porttrust.changes"):
        await terminate(writer, await listener_pid(writer))
        await eventually(lambda: not feed.live, 1.0)
        await eventually(lambda: feed.live, 5.0)  # the heartbeat failed and it reconnected
    lost = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("change feed lost" in r.getMessage() for r in lost)


@pytest.mark.postgres
async def test_a_feed_that_cannot_connect_never_serves(make_feed: FeedMaker,
                                                       pg_url: str) -> None:
    missing = make_url(pg_url).set(database="pt_test_no_such_database")
    feed = await make_feed(missing.render_as_string(hide_password=False), live=False,
                           retry=0.05)
    assert not await feed.wait_live(0.3)
    cache, load = cache_of(feed), Counter()
    await cache.read("a", load)
    await cache.read("a", load)
    assert load.calls == 2
