"""Reading the audit chain and the version history."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import ChainReport, verify_chain
from porttrust_shared.pagination import clamp_limit, page_of
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, EntityVersion, SubPort
from registry.service import sub_ports
from registry.service.common import int_after


async def list_audit_events(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    filters: dict[str, str | None], max_limit: int = 500,
) -> tuple[list[AuditEvent], str | None]:
    """`filters`: entity, entity_id, action, province."""
    size = clamp_limit(limit, max_limit)
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if actor.province_scope is not None:
        query = query.where(AuditEvent.province == actor.province_scope)
    for field, value in filters.items():
        if value:
            query = query.where(getattr(AuditEvent, field) == value)
    after = int_after(cursor)
    if after is not None:
        query = query.where(AuditEvent.seq > after)
    rows = list((await session.execute(query.limit(size + 1))).scalars().all())
    return page_of(rows, size, lambda e: [e.seq])


async def verify_audit_chain(session: AsyncSession) -> ChainReport:
    return await verify_chain(session, AuditEvent)


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
