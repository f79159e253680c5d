"""Append-only audit log as a hash chain, written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.db import UTCDateTime, utcnow

GENESIS = "0" * 64


class AuditEventMixin:
    """Columns of a service's `audit_events` table. Never updated, never deleted."""

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
    """Append one entry. `data` must already be masked: the chain is readable by auditors.

    Writers serialise on a transaction-scoped advisory lock (PostgreSQL); SQLite has a single
    writer anyway. seq is the primary key, so a chain can never fork.
    """
    await lock_chain(session, model)
    last = (
        await session.execute(select(model.seq, model.hash).order_by(model.seq.desc()).limit(1))
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utcnow()
    clean = json.loads(canonical(data or {}))
    row = model(seq=seq, at=at, actor=actor, province=province, action=action, entity=entity,
                entity_id=entity_id, data=clean, prev_hash=prev)
    row.hash = entry_hash(prev, seq=seq, at=at, actor=actor, province=province, action=action,
                          entity=entity, entity_id=entity_id, data=clean)
    session.add(row)
    await session.flush()
    return row


async def lock_chain(session: AsyncSession, model: type[AuditEventMixin]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        table = model.__tablename__  # type: ignore[attr-defined]
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
