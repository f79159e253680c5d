"""A business-type change puts a whitelisted sub-port's protection under re-review: the entry
was granted for the old use. The local copy stops protecting at once (the flag goes off on
every sub-port the entry covers) and whitelist is told through the outbox; it answers the
entry as `review` until a whitelist_admin confirms it, and the confirmation comes back as a
grant (`whitelist.granted`), which ends the review here."""

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal
from registry.clients import BlacklistChecker
from registry.models import AuditEvent, OutboxEvent, SubPort, WhitelistEntry
from registry.schemas.ports import SubPortUpdate
from registry.service.coverage import in_province, live
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


async def _protecting(session: AsyncSession, sub: SubPort) -> list[WhitelistEntry]:
    """The live entries on the sub-port's number (or a prefix) or on its customer."""
    prefixes = [sub.number[:n] for n in range(1, len(sub.number) + 1)]
    target: ColumnElement[bool] = WhitelistEntry.number.in_(prefixes)
    if sub.user_unit_uscc:
        target = or_(target, WhitelistEntry.uscc == sub.user_unit_uscc)
    return list((await session.execute(select(WhitelistEntry).where(
        target, live(), in_province(sub.province)).order_by(
        WhitelistEntry.entry_id))).scalars().all())


async def put_under_review(session: AsyncSession, sub: SubPort, *, old: str,
                           actor: str) -> None:
    entries = await _protecting(session, sub)
    for entry in entries:
        entry.review_at = utcnow()
    await session.flush()
    for entry in entries:
        await refresh_flags(session, entry)
    ids = [e.entry_id for e in entries]
    await enqueue(session, OutboxEvent, destination="whitelist",
                  topic="sub_port.business_type_changed",
                  payload={"number": sub.number, "old": old, "new": sub.business_type,
                           "entry_ids": ids})
    await append_audit(session, AuditEvent, actor=actor, action="sub_port.whitelist_review",
                       entity="sub_port", entity_id=sub.number, province=sub.province,
                       data={"old": old, "new": sub.business_type, "entry_ids": ids})
