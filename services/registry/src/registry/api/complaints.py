import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from porttrust_shared.deps import CipherDep, SessionDep, require_roles
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from porttrust_shared.tokens import Principal
from registry.deps import Cursor, Limit, SettingsDep
from registry.schemas.enforcement import (
    ComplaintCreate,
    ComplaintRead,
    ComplaintReviewRead,
    ComplaintTraceRead,
    ReviewClose,
)
from registry.service import complaint_reviews
from registry.service import complaints as svc

router = APIRouter(tags=["complaints"])
Complainer = Annotated[Principal, Depends(require_roles(
    "gateway", "enforcement", "hq_admin", "province_operator", "service"))]
ReviewCloser = Annotated[Principal, Depends(require_roles(
    "hq_admin", "province_operator", "enforcement"))]
ComplaintReader = Annotated[Principal, Depends(require_roles(
    "hq_admin", "province_operator", "auditor", "enforcement", "service"))]


@router.post("/v1/complaints", status_code=201, response_model=ComplaintTraceRead)
async def file_complaint(data: ComplaintCreate, session: SessionDep, actor: Complainer,
                         cipher: CipherDep, settings: SettingsDep,
                         idem: IdempotencyDep) -> JSONResponse:
    """Take a spam complaint: traced at once, forwarded to credit, counted toward review."""
    rule = svc.ReviewRule(threshold=settings.complaint_review_threshold,
                          window=dt.timedelta(days=settings.complaint_review_window_days))

    async def produce() -> ComplaintTraceRead:
        return await svc.file_complaint(session, data=data, actor=actor, cipher=cipher,
                                        rule=rule)

    return await idem.run(produce)


@router.get("/v1/complaints")
async def list_complaints(session: SessionDep, actor: ComplaintReader, cipher: CipherDep,
                          settings: SettingsDep, limit: Limit = None, cursor: Cursor = None,
                          sub_port: str | None = None, number: str | None = None,
                          traced: bool | None = None,
                          valid: bool | None = None) -> Page[ComplaintRead]:
    """Complaints in your province, newest first; filter by sub-port or number."""
    filters = {"sub_port_number": sub_port, "number": number, "traced": traced, "valid": valid}
    rows, after = await svc.list_complaints(session, actor=actor, limit=limit, cursor=cursor,
                                            filters=filters, max_limit=settings.page_limit_max)
    return Page(items=[svc.to_read(c, cipher) for c in rows], next_cursor=after)


@router.get("/v1/complaints/{complaint_id}")
async def get_complaint(complaint_id: str, session: SessionDep, actor: ComplaintReader,
                        cipher: CipherDep) -> ComplaintRead:
    """One complaint with the trace taken when it arrived; the reporter is masked."""
    found = await svc.get_complaint(session, complaint_id=complaint_id, actor=actor)
    return svc.to_read(found, cipher)


@router.get("/v1/complaint-reviews")
async def list_complaint_reviews(session: SessionDep, actor: ComplaintReader,
                                 settings: SettingsDep, limit: Limit = None,
                                 cursor: Cursor = None, sub_port: str | None = None,
                                 status: Literal["open", "closed"] | None = None,
                                 ) -> Page[ComplaintReviewRead]:
    """Sub-ports that reached the complaint threshold, waiting for a person."""
    filters = {"sub_port_number": sub_port, "status": status}
    rows, after = await complaint_reviews.list_reviews(
        session, actor=actor, limit=limit, cursor=cursor, filters=filters,
        max_limit=settings.page_limit_max)
    return Page(items=[ComplaintReviewRead.model_validate(r) for r in rows], next_cursor=after)


@router.post("/v1/complaint-reviews/{review_id}/close", responses={
    404: {"description": "No such review (or another province's)"},
    409: {"description": "Already closed"}})
async def close_complaint_review(review_id: int, data: ReviewClose, session: SessionDep,
                                 actor: ReviewCloser) -> ComplaintReviewRead:
    """Close a review: confirmed reaches credit as one event per subject; audited."""
    review = await complaint_reviews.close_review(session, review_id=review_id, data=data,
                                                  actor=actor)
    return ComplaintReviewRead.model_validate(review)
