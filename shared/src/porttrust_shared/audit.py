"""Append-only audit log as a hash chain, written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, String, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.db import UTCDateTime, is_postgres, utcnow
from porttrust_shared.pii import scrub_data

GENESIS = "0" * 64


class AuditEventMixin:
    """Columns of a service's `audit_events` table. Never updated, never deleted."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    province: Mapped[str | None] = mapped_column(String(4), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    if TYPE_CHECKING:  # mapped subclasses accept their columns as keywords

        def __init__(self, **kwargs: Any) -> None: ...


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def entry_hash(prev_hash: str, *, seq: int, at: dt.datetime, actor: str, province: str | None,
               action: str, entity: str, entity_id: str, data: dict[str, Any]) -> str:
    body = {"seq": seq, "at": at.astimezone(dt.UTC).isoformat(), "actor": actor,
            "province": province, "action": action, "entity": entity, "entity_id": entity_id,
            "data": data}
    return hashlib.sha256(prev_hash.encode() + canonical(body)).hexdigest()


def _encoded(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _entry_hash_of_encoded(prev_hash: str, *, seq: int, at_text: bytes, entry: AuditEntry,
                           data: bytes) -> str:
    """entry_hash with the entry's data already canonical: the same bytes canonical(body)
    makes (keys in sorted order: action, actor, at, data, entity, entity_id, province, seq),
    without encoding the data a second time. append_audits hashes thousands at once."""
    body = b'{"action":%s,"actor":%s,"at":%s,"data":%s,"entity":%s,"entity_id":%s,' \
           b'"province":%s,"seq":%d}' % (
               _encoded(entry.action), _encoded(entry.actor), at_text, data,
               _encoded(entry.entity), _encoded(entry.entity_id), _encoded(entry.province), seq)
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


async def append_audit(
    session: AsyncSession,
    model: type[AuditEventMixin],
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    data: dict[str, Any] | None = None,
    province: str | None = None,
) -> AuditEventMixin:
    """Append one entry. `data` should already be masked: the chain is readable by auditors;
    ID numbers and phones inside its strings are masked here all the same (pii.scrub).

    Writers serialise on a transaction-scoped advisory lock (PostgreSQL); SQLite has a single
    writer anyway. seq is the primary key, so a chain can never fork.
    """
    await lock_chain(session, model)
    last = (
        await session.execute(select(model.seq, model.hash).order_by(model.seq.desc()).limit(1))
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utcnow()
    clean = scrub_data(json.loads(canonical(data or {})))
    row = model(seq=seq, at=at, actor=actor, province=province, action=action, entity=entity,
                entity_id=entity_id, data=clean, prev_hash=prev)
    row.hash = entry_hash(prev, seq=seq, at=at, actor=actor, province=province, action=action,
                          entity=entity, entity_id=entity_id, data=clean)
    session.add(row)
    await session.flush()
    return row


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry for append_audits; `data` already masked."""

    actor: str
    action: str
    entity: str
    entity_id: str
    data: dict[str, Any]
    province: str | None = None


RowWriter = Callable[[list[dict[str, Any]]], Awaitable[None]]


async def append_audits(session: AsyncSession, model: type[AuditEventMixin],
                        entries: Sequence[AuditEntry], *, write: RowWriter | None = None,
                        ) -> None:
    """Append many entries at once (a set-based change audits each row it touched): one
    lock, one read of the chain's end, the hashes chained here, the rows written by
    `write` (e.g. a COPY; default: one executemany INSERT)."""
    if not entries:
        return
    await lock_chain(session, model)
    last = (
        await session.execute(select(model.seq, model.hash).order_by(model.seq.desc()).limit(1))
    ).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    at, rows = utcnow(), []
    at_text = _encoded(at.astimezone(dt.UTC).isoformat())
    for entry in entries:
        seq += 1
        data = canonical(entry.data)
        clean = json.loads(data)
        digest = _entry_hash_of_encoded(prev, seq=seq, at_text=at_text, entry=entry, data=data)
        rows.append({"seq": seq, "at": at, "actor": entry.actor, "province": entry.province,
                     "action": entry.action, "entity": entry.entity,
                     "entity_id": entry.entity_id, "data": clean, "prev_hash": prev,
                     "hash": digest})
        prev = digest
    if write is not None:
        await write(rows)
    else:
        await session.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


async def lock_chain(session: AsyncSession, model: type[AuditEventMixin]) -> None:
    if is_postgres(session):
        table = model.__tablename__
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(table))))


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


class _ChainWalker:
    """Checks entries one at a time, in seq order, against the chain so far."""

    def __init__(self) -> None:
        self.prev, self.expected_seq = GENESIS, 1
        self.failure: ChainReport | None = None

    def step(self, entry: AuditEventMixin) -> bool:
        checked = self.expected_seq - 1
        if entry.seq != self.expected_seq:
            self.failure = ChainReport(False, checked, entry.seq, "sequence gap or reorder")
        elif entry.prev_hash != self.prev:
            self.failure = ChainReport(False, checked, entry.seq, "previous hash mismatch")
        elif _recompute(self.prev, entry) != entry.hash:
            self.failure = ChainReport(False, checked, entry.seq, "entry content altered")
        else:
            self.prev, self.expected_seq = entry.hash, self.expected_seq + 1
        return self.failure is None

    def report(self) -> ChainReport:
        return self.failure or ChainReport(True, self.expected_seq - 1)


def _recompute(prev: str, entry: AuditEventMixin) -> str:
    return entry_hash(prev, seq=entry.seq, at=entry.at, actor=entry.actor,
                      province=entry.province, action=entry.action, entity=entry.entity,
                      entity_id=entry.entity_id, data=entry.data)


def verify_entries(entries: Sequence[AuditEventMixin]) -> ChainReport:
    """Recompute every hash in order: an altered, deleted or reordered entry breaks the chain."""
    walker = _ChainWalker()
    for entry in entries:
        if not walker.step(entry):
            break
    return walker.report()


async def verify_chain(session: AsyncSession, model: type[AuditEventMixin]) -> ChainReport:
    """verify_entries over the whole table, streamed: months of entries never sit in memory."""
    walker = _ChainWalker()
    rows = await session.stream_scalars(
        select(model).order_by(model.seq).execution_options(yield_per=1000))
    async for entry in rows:
        if not walker.step(entry):
            break
    await rows.close()
    return walker.report()


async def count_entries(session: AsyncSession, model: type[AuditEventMixin]) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())
