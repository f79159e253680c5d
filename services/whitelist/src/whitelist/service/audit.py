"""Reading the audit chain (auditors, HQ)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import ChainReport, verify_chain
from porttrust_shared.errors import BadRequest
from porttrust_shared.pagination import clamp_limit, decode_cursor, encode_cursor
from porttrust_shared.tokens import Principal
from whitelist.models import AuditEvent


async def list_audit_events(
    session: AsyncSession, *, actor: Principal, entity_id: str | None = None,
    action: str | None = None, cursor: str | None = None, limit: int | None = None,
    max_limit: int = 500,
) -> tuple[list[AuditEvent], str | None]:
    size = clamp_limit(limit, max_limit)
    query = select(AuditEvent)
    if actor.province_scope is not None:
        query = query.where(AuditEvent.province == actor.province_scope)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    values = decode_cursor(cursor)
    if values is not None:
        if len(values) != 1 or not isinstance(values[0], int):
            raise BadRequest("The cursor is not valid.")
        query = query.where(AuditEvent.seq > values[0])
    rows = list((await session.execute(query.order_by(AuditEvent.seq).limit(size + 1))).scalars())
    return rows[:size], encode_cursor([rows[size - 1].seq]) if len(rows) > size else None


async def verify_audit_chain(session: AsyncSession) -> ChainReport:
    return await verify_chain(session, AuditEvent)
