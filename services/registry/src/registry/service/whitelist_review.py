"""A business-type change puts a whitelisted sub-port's protection under re-review: the entry
was granted for the old use. The local copy stops protecting at once (the flag goes off on
every sub-port the entry covers) and whitelist is told through the outbox; it answers the
entry as `review` until a whitelist_admin confirms it, and the confirmation comes back as a
grant (`whitelist.granted`), which ends the review here."""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal
from registry.clients import BlacklistChecker
from registry.models import AuditEvent, OutboxEvent, SubPort, WhitelistEntry
from registry.schemas import SubPortUpdate
from registry.service.sub_ports import get_sub_port, update_sub_port
from registry.service.whitelist import refresh_flags


async def patch_sub_port(session: AsyncSession, *, number: str, data: SubPortUpdate,
                         if_match: str | None, actor: Principal, credit: BlacklistChecker,
                         cipher: PiiCipher) -> SubPort:
    """PATCH /v1/sub-ports/{number}: the update, then the re-review it may call for."""
    old = (await get_sub_port(session, number=number, actor=actor)).business_type
    sub = await update_sub_port(session, number=number, data=data, if_match=if_match,
                                actor=actor, credit=credit, cipher=cipher)
    if old is not None and sub.business_type != old and sub.whitelisted:
        await put_under_review(session, sub, old=old, actor=actor.sub)
    return sub


async def _protecting(session: AsyncSession, number: str) -> list[WhitelistEntry]:
    prefixes = [number[:n] for n in range(1, len(number) + 1)]
    now = utcnow()
    return list((await session.execute(select(WhitelistEntry).where(
        WhitelistEntry.number.in_(prefixes), WhitelistEntry.revoked_at.is_(None),
        WhitelistEntry.review_at.is_(None),
        or_(WhitelistEntry.expires_at.is_(None), WhitelistEntry.expires_at > now),
    ).order_by(WhitelistEntry.number))).scalars().all())


async def put_under_review(session: AsyncSession, sub: SubPort, *, old: str,
                           actor: str) -> None:
    entries = await _protecting(session, sub.number)
    for entry in entries:
        entry.review_at = utcnow()
    await session.flush()
    for covered_number in sorted({e.number for e in entries}):
        await refresh_flags(session, covered_number)
    ids = [e.entry_id for e in entries]
    await enqueue(session, OutboxEvent, destination="whitelist",
                  topic="sub_port.business_type_changed",
                  payload={"number": sub.number, "old": old, "new": sub.business_type,
                           "entry_ids": ids})
    await append_audit(session, AuditEvent, actor=actor, action="sub_port.whitelist_review",
                       entity="sub_port", entity_id=sub.number, province=sub.province,
                       data={"old": old, "new": sub.business_type, "entry_ids": ids})
