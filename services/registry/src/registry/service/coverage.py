from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from registry.models import WhitelistEntry


async def covered(session: AsyncSession, number: str) -> bool:
    """Whether a live whitelist entry is on `number` or a prefix of it."""
    prefixes = [number[:n] for n in range(1, len(number) + 1)]
    query = select(WhitelistEntry.entry_id).where(
        WhitelistEntry.number.in_(prefixes), WhitelistEntry.revoked_at.is_(None),
        WhitelistEntry.review_at.is_(None),
        or_(WhitelistEntry.expires_at.is_(None), WhitelistEntry.expires_at > utcnow())).limit(1)
    return (await session.execute(query)).first() is not None
