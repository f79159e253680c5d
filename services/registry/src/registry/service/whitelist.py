"""Local whitelist flags: an entry on a number covers every sub-port it prefixes."""

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from registry.models import SubPort, WhitelistEntry
from registry.service.coverage import covered
from registry.service.sub_ports import record_sub_port

ACTOR = "whitelist"


async def refresh_flags(session: AsyncSession, number: str) -> None:
    subs = (await session.execute(
        select(SubPort).where(SubPort.number.startswith(number, autoescape=True))
    )).scalars().all()
    for sub in subs:
        flag = await covered(session, sub.number)
        if sub.whitelisted != flag:
            sub.whitelisted = flag
            await record_sub_port(session, sub, ACTOR, ["whitelisted"], "sub_port.whitelist")


def _when(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def whitelist_granted(session: AsyncSession, payload: dict[str, Any]) -> None:
    entry_id, number = str(payload["entry_id"]), str(payload["number"]).strip()
    entry = await session.get(WhitelistEntry, entry_id)
    if entry is None:
        entry = WhitelistEntry(entry_id=entry_id, number=number, granted_at=utcnow())
        session.add(entry)
    entry.category, entry.expires_at = payload.get("category"), _when(payload.get("expires_at"))
    entry.revoked_at = entry.review_at = None  # a grant, or a confirmation after review
    await session.flush()
    await refresh_flags(session, number)


async def whitelist_revoked(session: AsyncSession, payload: dict[str, Any]) -> None:
    entry = await session.get(WhitelistEntry, str(payload["entry_id"]))
    if entry is None:
        return
    entry.revoked_at = utcnow()
    await session.flush()
    await refresh_flags(session, entry.number)
