"""Where send-log rows go: the seam between the check and the log's store.

The check builds `LogRow`s and awaits `SendLogWriter.write`; it is answered only once that
returns, and `write` returns only once its rows are committed. Two writers:

- `CopyLogWriter` (PostgreSQL): group commit. Rows of concurrent requests wait together and
  go in one statement on the asyncpg driver connection (a COPY in text format, written here,
  or for a few rows one prepared INSERT: one round trip), in one transaction; every waiting
  request is answered after that commit. One flush runs at a time; rows that arrive meanwhile
  form the next group, so the busier the service, the larger (and cheaper per row) the
  commits. A group of a few rows (single checks) first lets the event loop run once more,
  so that the requests it already holds (checked, or read and about to be) add their rows
  to it rather than wait a whole commit for the next one.
  `REGISTRY_SEND_LOG_SYNCHRONOUS_COMMIT` (default true) says whether that commit also waits
  for the disk: false answers once the rows are committed and visible, and a database crash
  can lose the last fraction of a second of them (PostgreSQL's `synchronous_commit = off`
  for this connection only).
- `OrmLogWriter` (SQLite, and tests that share one transaction): one ORM insert and commit
  per call.

A deployment past one database implements `SendLogWriter` for its store (a Kafka producer
acknowledged by the brokers, a ClickHouse insert) and sets it on `app.state.send_log_writer`;
the check does not change. The promise to keep is the same: return only when the rows are
committed (durable, unless the deployment chose otherwise as above).
"""

import asyncio
import contextlib
import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Protocol, get_type_hints

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from porttrust_shared.changes import connect_driver
from porttrust_shared.db import pooled_postgres
from porttrust_shared.errors import DependencyUnavailable
from registry.deps import RegistryState
from registry.models import SendLogEntry
from registry.service.send_log_text import copy_text


class LogRow(NamedTuple):
    """One check as the send log keeps it: no phone and no text in clear (a tuple: a batch
    makes a thousand, in the send log's column order)."""

    checked_at: dt.datetime
    sub_port_number: str
    province: str | None
    recipient_index: str | None
    recipient_masked: str
    allowed: bool
    enforced: bool
    reasons: list[str]
    template_id: str | None
    actor: str
    content_digest: str
    content_length: int


COLUMNS = list(LogRow._fields)
_REASONS = COLUMNS.index("reasons")
_TEXT = tuple(at for at, kind in enumerate(get_type_hints(LogRow).values())
              if kind in (str, str | None))  # the columns of text


def _copy_text(rows: Sequence[LogRow]) -> bytes:
    """The rows as COPY's text format reads them (send_log_text.copy_text)."""
    return copy_text(rows, _TEXT)
# A small group (a few single checks) goes in one prepared INSERT: one round trip, where COPY
# takes two (its start, then the data); a large one (a batch) goes by COPY.
SMALL_GROUP = 64


@functools.cache
def insert_statement(rows: int) -> str:
    """INSERT of `rows` rows of plain parameters, one statement (prepared once) per count:
    cheaper at both ends than one row of arrays (asyncpg inspects each element of an array
    it encodes, 58 checks a row, and PostgreSQL unpacks the arrays)."""
    width = len(COLUMNS)
    values = ", ".join("(" + ", ".join(f"${r * width + c}" for c in range(1, width + 1)) + ")"
                       for r in range(rows))
    return f"INSERT INTO send_log ({', '.join(COLUMNS)}) VALUES {values}"


class SendLogWriter(Protocol):
    async def write(self, rows: Sequence[LogRow]) -> None:
        """Return once `rows` are committed; raise (the check then fails) when they cannot
        be."""


class OrmLogWriter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def write(self, rows: Sequence[LogRow]) -> None:
        async with self.sessions() as session:
            session.add_all([SendLogEntry(**{c: getattr(r, c) for c in COLUMNS}) for r in rows])
            await session.commit()


class CopyLogWriter:
    """One asyncpg connection of its own (the engine's connect arguments), opened on first
    use and again after a failure; each COPY is one statement, so one commit.

    Before a group of at most `SMALL_GROUP` rows is taken, the flusher waits one pass of the
    event loop (`asyncio.sleep(0)`): when a commit returns, the loop often already holds
    requests that are about to write (their bytes arrived with the database's answer), and
    they join this group. Each commit costs the process a round trip (about 120 µs of CPU on
    the bench machine) and the database as much again, so fewer, larger commits leave more
    of both for the checks; the wait is the loop's work already queued, never a timer.
    Measured with `send_check_single` run alternately against the flush at once: commits of
    2.3 checks instead of 1.9, and the ratio to the bare endpoint 1.38–1.59 instead of
    1.54–1.90. A batch (its rows alone over `SMALL_GROUP`) goes at once: waiting there would
    hold its commit behind another whole batch's check."""

    def __init__(self, engine: AsyncEngine, *, synchronous: bool = True) -> None:
        self.engine, self.synchronous = engine, synchronous
        self._waiting: list[tuple[Sequence[LogRow], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._conn: Any = None

    async def write(self, rows: Sequence[LogRow]) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((rows, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        await done

    async def _flush_all(self) -> None:
        while self._waiting:
            if sum(len(rows) for rows, _ in self._waiting) <= SMALL_GROUP:
                await asyncio.sleep(0)  # one pass of the loop (see the class)
            group, self._waiting = self._waiting, []
            try:
                await self._copy([row for rows, _ in group for row in rows])
            except Exception:  # every request of the group fails alike, none is answered
                await self.close()
                failure = DependencyUnavailable("The send log cannot be written now; "
                                                "the check was not answered.")
                for _, done in group:
                    if not done.done():
                        done.set_exception(failure)
                continue
            for _, done in group:
                if not done.done():
                    done.set_result(None)

    async def _copy(self, rows: list[LogRow]) -> None:
        if self._conn is None or self._conn.is_closed():
            self._conn = await connect_driver(self.engine)
            if not self.synchronous:
                await self._conn.execute("SET synchronous_commit TO off")
        # Outside a transaction block each statement commits by itself: one commit a group.
        if len(rows) <= SMALL_GROUP:
            await self._conn.execute(insert_statement(len(rows)), *_parameters(rows))
        else:  # a memoryview: asyncpg would take bytes for a file's path
            await self._conn.copy_to_table("send_log", source=memoryview(_copy_text(rows)),
                                           columns=COLUMNS, format="text")

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.terminate()


def _records(rows: Iterable[LogRow]) -> list[tuple[Any, ...]]:
    """COPY's records: the JSON column as text, each distinct list of reasons encoded once."""
    encoded: dict[tuple[str, ...], str] = {}
    records = []
    for row in rows:
        key = tuple(row.reasons)
        text = encoded.get(key)
        if text is None:
            text = encoded[key] = json.dumps(row.reasons)
        records.append((*row[:_REASONS], text, *row[_REASONS + 1:]))
    return records


def _parameters(rows: Sequence[LogRow]) -> list[Any]:
    """The INSERT's parameters: COPY's records (`_records`), one after another."""
    return [value for record in _records(rows) for value in record]


def writer_for(state: RegistryState) -> SendLogWriter:
    """The app's writer: `state.send_log_writer` when a deployment set one; else COPY when
    the sessions write to the app's own PostgreSQL engine (not a test's shared transaction),
    else the ORM."""
    custom: SendLogWriter | None = state.send_log_writer
    if custom is not None:
        return custom
    engine = pooled_postgres(state.sessions)
    if engine is None or engine is not state.engine:
        return OrmLogWriter(state.sessions)
    copy: CopyLogWriter | None = state.copy_log_writer
    if copy is None or copy.engine is not engine:
        copy = state.copy_log_writer = CopyLogWriter(
            engine, synchronous=state.settings.send_log_synchronous_commit)
    return copy


async def close_writers(app: Any) -> None:
    """On shutdown: the COPY writer's connection is closed (a deployment's own writer, set on
    `send_log_writer`, is closed by whoever set it)."""
    writer: CopyLogWriter | None = RegistryState.of(app).copy_log_writer
    if writer is not None:
        await writer.close()
