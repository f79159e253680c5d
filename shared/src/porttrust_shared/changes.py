"""Hot reads answered from memory for as long as PostgreSQL says nothing changed.

A gateway asks registry for a sub-port's status, and registry asks credit whether a party is
blacklisted, far more often than either record changes. `ChangeFeed` keeps one connection per
process LISTENing on `porttrust_changes`; a statement-level trigger on every table a cached read
depends on (`change_trigger_sql`) sends a NOTIFY when its transaction commits. Every
notification, every commit made by this process and every (re)connect starts a new
*generation*; a `ReadCache` entry is only served while its generation is current, so one
change drops every cached read of that service at once (writes are rare next to reads, and a
whole-cache drop cannot miss a key that a per-key scheme might).

How stale can an answer be?
- After a change committed by this process (the usual case: the API wrote it): never; the
  generation moves on before the writing request answers.
- After a change committed elsewhere (another replica, a migration, psql): until this process
  receives the notification, normally well under a millisecond on one host.
- Never longer than `max_age` seconds (a bound for a failure nobody noticed yet).
- While the listening connection is down, or before it is up, nothing is served from memory:
  every read goes to the database, as without a cache.

Loads race with changes safely: the generation is read before the load, and the value is kept
only if the generation has not moved by the time the load returns.

The listener needs a direct session-mode connection to PostgreSQL (not a transaction-mode
pooler). Set `<SERVICE>_READ_CACHE_SECONDS=0` to switch the cache off; on SQLite it is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, SessionTransaction

from porttrust_shared.db import is_postgres

log = logging.getLogger("porttrust.changes")

CHANNEL = "porttrust_changes"
K = TypeVar("K", bound=Hashable)
Writes = dict[str, set[str] | None]  # table → keys written, or None: the whole table
V = TypeVar("V")


def change_trigger_sql(table: str) -> list[str]:
    """DDL (PostgreSQL) for a migration: any statement changing `table` notifies CHANNEL when
    its transaction commits (PostgreSQL folds identical notifications of one transaction, so
    a 100,000-row COPY sends one)."""
    return [
        f"""CREATE OR REPLACE FUNCTION porttrust_notify_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$""",
        f"DROP TRIGGER IF EXISTS {table}_changed ON {table}",
        f"""CREATE TRIGGER {table}_changed
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION porttrust_notify_change()""",
    ]


def drop_change_trigger_sql(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_changed ON {table}"]


def watch_tables(op: Any, *tables: str) -> None:
    """In an Alembic migration: notify on changes to `tables` (PostgreSQL; no-op on SQLite)."""
    if is_postgres(op.get_bind()):
        for table in tables:
            for statement in change_trigger_sql(table):
                op.execute(statement)


def unwatch_tables(op: Any, *tables: str) -> None:
    if is_postgres(op.get_bind()):
        for table in tables:
            for statement in drop_change_trigger_sql(table):
                op.execute(statement)


class ChangeFeed:
    """The process's view of committed changes: `generation` and whether it is `live`."""

    def __init__(self, engine: AsyncEngine | None = None, *, max_age: float = 5.0,
                 heartbeat: float = 5.0, retry: float = 1.0, max_entries: int = 100_000) -> None:
        self.engine, self.max_age, self.max_entries = engine, max_age, max_entries
        self.heartbeat, self.retry = heartbeat, retry
        self.generation = 0
        self.live = False
        # Keyed caches (keyed.py): a clock that every change moves on, and the clock reading of
        # the last change to everything (`floor`), to a whole table, and to one key of a table.
        self.clock = self.floor = 0
        self.table_stamps: dict[str, int] = {}
        self.key_stamps: dict[tuple[str, str], int] = {}
        # monotonic time of the last query on the listening connection that answered: every
        # notification committed before it was sent had arrived by its answer.
        self.confirmed_at = float("-inf")
        self._caches: dict[str, ReadCache[Any, Any]] = {}
        # Tables the caches read. Every write counts until a cache names its tables, and for
        # good once one does not.
        self._watched: set[str] | None = None
        self._any_table = False
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    @property
    def enabled(self) -> bool:
        """Whether this feed can ever go live: PostgreSQL through asyncpg, max_age above 0."""
        return self.engine is not None and self.max_age > 0 and is_postgres(self.engine)

    def cache(self, name: str, sessions: Any = None, *,
              tables: Iterable[str] | None = None) -> ReadCache[Any, Any] | None:
        """The named cache on this feed (made on first use). `tables`: what its values are
        read from; a commit in this process that wrote none of the feed's tables leaves the
        caches alone (None: any write drops them). None when the feed is off, or when
        `sessions` (a session factory) is given and not bound to this feed's engine, as in a
        test that runs every request inside one uncommitted transaction, which no other
        connection can see."""
        if not self.enabled or (sessions is not None
                                 and sessions.kw.get("bind") is not self.engine):
            return None
        found = self._caches.get(name)
        if found is None:
            found = self._caches[name] = ReadCache(self)
            if tables is None:
                self._any_table = True
            else:
                self._watched = (self._watched or set()) | set(tables)
        return found

    def concerned(self, tables: set[str]) -> bool:
        """Whether a commit that wrote `tables` ("*": unknown) may change a cached value."""
        watched = self._watched
        return (self._any_table or watched is None or ANY_TABLE in tables
                or not watched.isdisjoint(tables))

    def bump(self, *_: object) -> None:
        """Something changed: every cached value read before now is out of date."""
        self.generation += 1
        self.clock += 1
        self.floor = self.clock

    def changed(self, writes: Writes) -> None:
        """A commit (here or, by notification, elsewhere) wrote these tables: per table the
        keys written (of tables keyed caches read), or None for the whole table."""
        if self.concerned(set(writes)):
            self.generation += 1
        self.clock += 1
        for table, keys in writes.items():
            if table == ANY_TABLE:
                self.floor = self.clock
            elif keys is None or len(keys) > MAX_KEYS:
                self.table_stamps[table] = self.clock
            else:
                self.key_stamps.update(dict.fromkeys(((table, k) for k in keys), self.clock))
        if len(self.key_stamps) > self.max_entries:  # bounded: forget keys, stamp their tables
            self.table_stamps.update(dict.fromkeys({t for t, _ in self.key_stamps}, self.clock))
            self.key_stamps.clear()

    def stamp(self, table: str, key: str) -> int:
        """The clock reading of the last change heard that may concern (table, key)."""
        return max(self.floor, self.table_stamps.get(table, 0),
                   self.key_stamps.get((table, key), 0))

    def fresh(self) -> bool:
        """Live, and heard from within max_age: every change committed more than max_age ago
        has been heard."""
        return self.live and time.monotonic() - self.confirmed_at < self.max_age

    # ---------------------------------------------------------------- listening

    async def start(self) -> None:
        """Listen in the background; returns at once (reads go to the database until the
        listener is up). Watches this process's commits too."""
        if not self.enabled or self._task is not None:
            return
        _FEEDS.add(self)
        self._task = asyncio.create_task(self._listen(), name="porttrust-change-feed")

    async def wait_live(self, seconds: float = 10.0) -> bool:
        """For tests and start-up probes: True once the listener is up."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._connected.wait()
        return self.live

    async def stop(self) -> None:
        _FEEDS.discard(self)
        self._down()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for cache in self._caches.values():
            cache.clear()

    def _down(self, *_: object) -> None:
        self.live = False
        self._connected.clear()
        self.bump()

    def _notified(self, *args: object) -> None:
        self.changed(parse_payload(str(args[-1])))

    async def _listen(self) -> None:
        assert self.engine is not None
        reported = False  # one warning per outage, not one per retry
        while True:
            conn: Any = None
            listening = False
            try:
                conn = await connect_driver(self.engine)
                conn.add_termination_listener(self._down)
                sent = time.monotonic()
                await conn.add_listener(CHANNEL, self._notified)
                # Anything committed before LISTEN took effect is not in memory: start afresh.
                self.bump()
                self.live = listening = True
                self.confirmed_at = sent
                reported = False
                self._connected.set()
                log.info("change feed listening on %s", CHANNEL)
                while True:
                    # Four times per max_age, so keyed caches (confirmed_at) do not lapse
                    # while up, even when a busy event loop runs this late.
                    await asyncio.sleep(min(self.heartbeat, self.max_age / 4))
                    # A connection that silently died would deliver nothing: prove it answers.
                    sent = time.monotonic()
                    await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=self.heartbeat)
                    self.confirmed_at = sent
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if listening or not reported:
                    reported = True
                    log.warning("change feed %s (%s); reads go to the database until it is "
                                "back", "lost" if listening else "cannot listen",
                                type(exc).__name__)
            finally:
                self._down()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.terminate()
            await asyncio.sleep(self.retry)


async def connect_driver(engine: AsyncEngine) -> Any:
    """A plain asyncpg connection with the engine's own connect arguments (outside the pool:
    the listener's, and writers that keep one connection to themselves)."""
    import asyncpg  # only needed with PostgreSQL

    _args, params = engine.dialect.create_connect_args(engine.url)
    for adapter_only in ("prepared_statement_cache_size", "prepared_statement_name_func",
                         "async_creator_fn"):
        params.pop(adapter_only, None)
    return await asyncpg.connect(**params)


class _Entry(Generic[V]):
    __slots__ = ("deadline", "generation", "value")

    def __init__(self, generation: int, deadline: float, value: V) -> None:
        self.generation, self.deadline, self.value = generation, deadline, value


class ReadCache(Generic[K, V]):
    """Values by key, each valid for the generation it was read in and until its deadline."""

    def __init__(self, feed: ChangeFeed) -> None:
        self.feed = feed
        self._entries: dict[K, _Entry[V]] = {}

    def clear(self) -> None:
        self._entries.clear()

    def token(self) -> int | None:
        """Take before a load: the generation to store its result under, or None when
        nothing may be stored (the feed is not live)."""
        return self.feed.generation if self.feed.live else None

    def peek(self, key: K) -> tuple[bool, V | None]:
        """(True, value) when a current value is held, else (False, None)."""
        feed = self.feed
        if not feed.live:
            return False, None
        entry = self._entries.get(key)
        if entry is None or entry.generation != feed.generation \
                or entry.deadline <= time.monotonic():
            return False, None
        return True, entry.value

    def put(self, key: K, value: V, token: int | None, *,
            valid_for: float | None = None) -> None:
        """Keep `value` if nothing changed since `token` was taken. `valid_for`: seconds the
        value is right for at most (say, until a blacklist entry expires)."""
        feed = self.feed
        if token is None or not feed.live or token != feed.generation:
            return
        seconds = feed.max_age if valid_for is None else min(valid_for, feed.max_age)
        if seconds <= 0:
            return
        if len(self._entries) >= feed.max_entries:
            self._entries.clear()  # bounded memory; a full cache is refilled by reads
        self._entries[key] = _Entry(token, time.monotonic() + seconds, value)

    async def read(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        held, value = self.peek(key)
        if held:
            return value  # type: ignore[return-value]
        token = self.token()
        loaded = await load()
        self.put(key, loaded, token)
        return loaded


# Feeds started in this process. A commit made here moves them on before the request that
# made it answers, so its own client never reads what it has just changed from memory.
_FEEDS: set[ChangeFeed] = set()
_WROTE = "porttrust_wrote"
ANY_TABLE = "*"
# Tables keyed caches read → the column (and mapped attribute) their keys are: a flush
# writing rows of these tables names the keys it wrote (keyed.py registers them).
KEY_COLUMNS: dict[str, str] = {}
MAX_KEYS = 1000  # more keys in one change count as a change to the whole table


def parse_payload(payload: str) -> Writes:
    """A notification: `table` (the whole table) or JSON {"table": t, "keys": [...]}."""
    if payload.startswith("{"):
        try:
            data = json.loads(payload)
            return {str(data["table"]): {str(k) for k in data["keys"]}}
        except (ValueError, KeyError, TypeError):
            return {ANY_TABLE: None}
    return {payload: None}


def _mark(session: Session, writes: Writes) -> None:
    marked: Writes = session.info.setdefault(_WROTE, {})
    for table, keys in writes.items():
        if table not in marked:
            marked[table] = None if keys is None else set(keys)
        elif keys is None or marked[table] is None:
            marked[table] = None
        else:
            marked[table].update(keys)  # type: ignore[union-attr]


def _writes_of(objects: Iterable[object]) -> Writes:
    # Per mapped class, not per object: a flush of 10,000 rows of one class asks once. Keys
    # only for the tables keyed caches read (KEY_COLUMNS), the whole table otherwise.
    by_class: dict[type, list[object]] = {}
    for obj in objects:
        by_class.setdefault(type(obj), []).append(obj)
    writes: Writes = {}
    for cls, rows in by_class.items():
        mapper: Any = inspect(cls)
        for table in mapper.tables:
            name = str(getattr(table, "name", ANY_TABLE))
            column = KEY_COLUMNS.get(name)
            keys = None if column is None else {str(getattr(r, column)) for r in rows}
            _merge(writes, name, keys)
    return writes


def _merge(writes: Writes, table: str, keys: set[str] | None) -> None:
    if table in writes and (keys is None or writes[table] is None):
        writes[table] = None
    elif table in writes:
        writes[table].update(keys or ())  # type: ignore[union-attr]
    else:
        writes[table] = keys


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    # Still the flush's own view: what it inserted, changed and deleted.
    _mark(session, _writes_of([*session.new, *session.dirty, *session.deleted]))


@event.listens_for(Session, "do_orm_execute")
def _executed(state: Any) -> None:
    if state.is_select:
        return
    # INSERT / UPDATE / DELETE name their table; text() may write anything.
    table = getattr(state.statement, "table", None)
    _mark(state.session, {str(getattr(table, "name", ANY_TABLE)): None})


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    writes = session.info.pop(_WROTE, None)
    if writes:
        for feed in _FEEDS:
            feed.changed(writes)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    # Only the outermost transaction's rollback undoes every write: a savepoint's rollback
    # leaves the writes made before it, which will still commit.
    if previous.parent is None:
        session.info.pop(_WROTE, None)


def mark_written(session: Any, *tables: str) -> None:
    """For writes the ORM does not see (COPY on the driver connection): the commit that
    follows moves this process's feeds on like an ORM write to `tables` (none named: any).
    `session`: a Session or an AsyncSession."""
    _mark(getattr(session, "sync_session", session), dict.fromkeys(tables or [ANY_TABLE]))
