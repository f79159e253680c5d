"""The audit trail, read by auditors: newest first, and its hash-chain check."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit.models import AuditEvent
from credit.schemas import AuditEventRead, ChainReportRead
from porttrust_shared.audit import verify_chain
from porttrust_shared.errors import BadRequest
from porttrust_shared.pagination import decode_cursor, page_of


async def list_audit_events(session: AsyncSession, *, action: str | None, entity_id: str | None,
                            cursor: str | None,
                            limit: int) -> tuple[list[AuditEventRead], str | None]:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if (after := decode_cursor(cursor)) is not None:
        if not after or not isinstance(after[0], int):
            raise BadRequest("The cursor is not valid.")
        query = query.where(AuditEvent.seq < after[0])
    rows = list((await session.execute(query.limit(limit + 1))).scalars().all())
    page, next_cursor = page_of(rows, limit, lambda r: (r.seq,))
    return [AuditEventRead.model_validate(r) for r in page], next_cursor


async def verify_audit_chain(session: AsyncSession) -> ChainReportRead:
    report = await verify_chain(session, AuditEvent)
    return ChainReportRead(ok=report.ok, checked=report.checked,
                           first_bad_seq=report.first_bad_seq, problem=report.problem)
