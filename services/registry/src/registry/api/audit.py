from fastapi import APIRouter

from porttrust_shared.deps import SessionDep
from porttrust_shared.pagination import Page
from registry.deps import Auditor, Cursor, Limit, Reader, SettingsDep
from registry.schemas import AuditEventRead, ChainReportRead, SanctionReviewRead
from registry.service import audit_log, sanctions

router = APIRouter()


@router.get("/v1/audit-events", tags=["audit"])
async def list_audit_events(session: SessionDep, actor: Auditor, settings: SettingsDep,
                            limit: Limit = None, cursor: Cursor = None,
                            entity: str | None = None, entity_id: str | None = None,
                            action: str | None = None) -> Page[AuditEventRead]:
    """The audit chain, oldest first; personal data in it is masked."""
    filters = {"entity": entity, "entity_id": entity_id, "action": action}
    rows, after = await audit_log.list_audit_events(session, actor=actor, limit=limit,
                                                    cursor=cursor, filters=filters,
                                                    max_limit=settings.page_limit_max)
    return Page(items=[AuditEventRead.model_validate(e) for e in rows], next_cursor=after)


@router.get("/v1/audit-events/verify", tags=["audit"])
async def verify_audit_events(session: SessionDep, actor: Auditor) -> ChainReportRead:
    """Recompute the hash chain: ok, or the first entry that was altered."""
    report = await audit_log.verify_audit_chain(session)
    return ChainReportRead(ok=report.ok, checked=report.checked,
                           first_bad_seq=report.first_bad_seq, problem=report.problem)


@router.get("/v1/sanction-reviews", tags=["sanctions"])
async def list_sanction_reviews(session: SessionDep, actor: Reader, settings: SettingsDep,
                                limit: Limit = None,
                                cursor: Cursor = None) -> Page[SanctionReviewRead]:
    """Whitelisted sub-ports a sanction did not suspend: waiting for a person."""
    rows, after = await sanctions.list_reviews(session, actor=actor, limit=limit, cursor=cursor,
                                               max_limit=settings.page_limit_max)
    return Page(items=[SanctionReviewRead.model_validate(r) for r in rows], next_cursor=after)
