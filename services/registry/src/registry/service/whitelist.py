"""Local whitelist flags: an entry on a number covers every sub-port it prefixes; an entry
on a customer (USCC) every sub-port that unit uses, now and later."""

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from registry.models import OutboxEvent, SubPort, WhitelistEntry
from registry.service.coverage import covered
from registry.service.sub_ports import record_sub_port

ACTOR = "whitelist"


async def refresh_flags(session: AsyncSession, entry: WhitelistEntry) -> None:
    """Each sub-port the entry names (by number prefix, or as the customer's) gets the flag
    its live entries give it now."""
    target = (SubPort.number.startswith(entry.number, autoescape=True) if entry.number
              else SubPort.user_unit_uscc == entry.uscc)
    subs = (await session.execute(select(SubPort).where(target))).scalars().all()
    for sub in subs:
        flag = await covered(session, sub.number, sub.user_unit_uscc, province=sub.province)
        if sub.whitelisted != flag:
            sub.whitelisted = flag
            await record_sub_port(session, sub, ACTOR, ["whitelisted"], "sub_port.whitelist")
    if entry.uscc and entry.revoked_at is None:
        await _tell_units(session, entry.uscc, subs)


async def _tell_units(session: AsyncSession, uscc: str, subs: Any) -> None:
    """Whitelist learns every sub-port the customer uses today; later ones follow as
    they are registered or change unit (registry.service.coverage.announce_units)."""
    items = [{"number": s.number, "user_unit_uscc": uscc, "province": s.province}
             for s in subs if s.status != "cancelled"]
    if items:
        await enqueue(session, OutboxEvent, destination="whitelist", topic="sub_port.units",
                      payload={"items": items})


def _when(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _target(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    number, uscc = payload.get("number"), payload.get("uscc")
    if (number is None) == (uscc is None):
        raise ValueError("an entry names a number or a customer")
    return (str(number).strip() if number else None), (str(uscc).strip() if uscc else None)


async def whitelist_granted(session: AsyncSession, payload: dict[str, Any]) -> None:
    entry_id, (number, uscc) = str(payload["entry_id"]), _target(payload)
    entry = await session.get(WhitelistEntry, entry_id)
    if entry is None:
        entry = WhitelistEntry(entry_id=entry_id, granted_at=utcnow())
        session.add(entry)
    entry.number, entry.uscc = number, uscc
    entry.province = str(payload["province"]) if payload.get("province") else None
    entry.category, entry.expires_at = payload.get("category"), _when(payload.get("expires_at"))
    entry.revoked_at = entry.review_at = None  # a grant, or a confirmation after review
    await session.flush()
    await refresh_flags(session, entry)


async def whitelist_revoked(session: AsyncSession, payload: dict[str, Any]) -> None:
    entry = await session.get(WhitelistEntry, str(payload["entry_id"]))
    if entry is None:
        return
    entry.revoked_at = utcnow()
    await session.flush()
    await refresh_flags(session, entry)
