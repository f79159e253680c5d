"""Re-review: an entry granted for a sub-port's old use is under review after its business
type changed (registry tells us, `sub_port.business_type_changed`); it protects nothing until
a whitelist_admin or hq_admin confirms it (`POST /v1/entries/{id}/confirm`)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from porttrust_shared.pii import scrub
from porttrust_shared.tokens import Principal
from whitelist.errors import EntryNotUnderReview
from whitelist.models import AuditEvent, Entry, OutboxEvent
from whitelist.service.entries import active_clause, get_entry

REGISTRY = "registry"


async def business_type_changed(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Put the entries registry names under review (those still active here)."""
    number = str(payload["number"])
    ids = [str(i) for i in payload["entry_ids"]]
    reason = (f"business type of {number} changed from {payload.get('old')} "
              f"to {payload.get('new')}")[:480]
    rows = (await session.execute(select(Entry).where(
        Entry.id.in_(ids), active_clause(utcnow())))).scalars().all()
    for row in rows:
        row.review_since, row.review_reason = utcnow(), reason
        await append_audit(session, AuditEvent, actor=REGISTRY, action="entry.review_opened",
                           entity="entry", entity_id=row.id, province=row.province,
                           data={"number": row.number, "sub_port": number, "reason": reason})
    await session.flush()


async def confirm_entry(session: AsyncSession, *, entry_id: str, reason: str,
                        actor: Principal) -> Entry:
    """The entry protects again; registry is told as for a grant."""
    row = await get_entry(session, entry_id=entry_id, actor=actor, for_update=True)
    if row.review_since is None or row.revoked_at is not None:
        raise EntryNotUnderReview("The entry is not under review.")
    since = row.review_since
    row.review_since, row.review_reason = None, None
    await session.flush()
    expires = row.expires_at.isoformat() if row.expires_at else None
    await enqueue(session, OutboxEvent, destination=REGISTRY, topic="whitelist.granted",
                  payload={"entry_id": row.id, "number": row.number, "uscc": row.uscc,
                           "province": row.province, "category": row.category,
                           "expires_at": expires})
    await append_audit(session, AuditEvent, actor=actor.sub, action="entry.confirmed",
                       entity="entry", entity_id=row.id, province=row.province,
                       data={"number": row.number, "reason": scrub(reason),
                             "review_since": since})
    return row
