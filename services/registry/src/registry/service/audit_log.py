"""Reading the audit chain and the version history."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import EntityVersion, SubPort
from registry.service import sub_ports


async def versions_of(session: AsyncSession, *, entity: str, key: str) -> list[EntityVersion]:
    """Every version, oldest first; a sub-port never changed since creation keeps no version
    row, and its current row is its version 1."""
    query = (select(EntityVersion).where(EntityVersion.entity == entity, EntityVersion.key == key)
             .order_by(EntityVersion.version))
    rows = list((await session.execute(query)).scalars().all())
    if rows or entity != sub_ports.ENTITY:
        return rows
    sub = await session.get(SubPort, key)
    if sub is None or sub.version != 1:
        return rows
    actor = (await sub_ports.creators(session, [sub])).get(key, "unknown")
    return [sub_ports.first_version(sub, sub_ports.snapshot(sub), actor)]
