"""Complaint reviews: opened by valid complaints (complaints.py), closed by a person.

A confirmed review becomes one credit event for each of the sub-port's user unit, holder and
handler, as they were at the end of the review's window; its evidence names the review and
its complaints (ids and counts, never a reporter or the text). Once closed, complaints after
its window count toward a new review."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from porttrust_shared.pagination import Keyset
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, Complaint, ComplaintReview, OutboxEvent
from registry.schemas.enforcement import ReviewClose
from registry.service.complaints import subjects_of
from registry.service.scope import open_review
from registry.service.trace import trace_number

CONFIRMED_TYPE = "complaint_review_confirmed"


async def _complaint_ids(session: AsyncSession, review: ComplaintReview) -> list[str]:
    rows = await session.execute(select(Complaint.id).where(
        Complaint.sub_port_number == review.sub_port_number, Complaint.valid.is_(True),
        Complaint.received_at > review.window_start,
        Complaint.received_at <= review.window_end).order_by(Complaint.received_at))
    return list(rows.scalars().all())


async def _report_confirmed(session: AsyncSession, review: ComplaintReview,
                            actor: Principal) -> int:
    """One `credit_event.reported` per subject; returns how many."""
    trace = await trace_number(session, number=review.sub_port_number, at=review.window_end,
                               actor=actor)
    ids = await _complaint_ids(session, review)
    evidence: dict[str, Any] = {
        "review_id": review.id, "sub_port": review.sub_port_number,
        "window_start": review.window_start.isoformat(),
        "window_end": review.window_end.isoformat(), "complaint_count": len(ids),
        "complaint_ids": ids}
    subjects = await subjects_of(session, trace, review.window_end, actor.province_scope)
    for subject in subjects:
        await enqueue(session, OutboxEvent, destination="credit", topic="credit_event.reported",
                      payload={"subject": subject, "type": CONFIRMED_TYPE,
                               "occurred_at": review.window_end.isoformat(),
                               "evidence": evidence,
                               "source_ref": f"registry:complaint-review:{review.id}"})
    return len(subjects)


async def close_review(session: AsyncSession, *, review_id: int, data: ReviewClose,
                       actor: Principal) -> ComplaintReview:
    review = await open_review(session, ComplaintReview, review_id, actor=actor,
                               what="complaint review")
    review.status, review.outcome, review.close_reason = "closed", data.outcome, data.reason
    review.closed_by, review.closed_at = actor.sub, utcnow()
    reported = (await _report_confirmed(session, review, actor)
                if data.outcome == "confirmed" else 0)
    await session.flush()
    await append_audit(session, AuditEvent, actor=actor.sub, action="complaint_review.closed",
                       entity="complaint_review", entity_id=str(review.id),
                       province=review.province,
                       data={"sub_port": review.sub_port_number, "outcome": data.outcome,
                             "reason": data.reason, "credit_events": reported})
    return review


async def list_reviews(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    filters: dict[str, Any], max_limit: int = 500,
) -> tuple[list[ComplaintReview], str | None]:
    """Oldest first. `filters`: sub_port_number, status."""
    query = select(ComplaintReview)
    if actor.province_scope is not None:
        query = query.where(ComplaintReview.province == actor.province_scope)
    for field, value in filters.items():
        if value is not None:
            query = query.where(getattr(ComplaintReview, field) == value)
    return await Keyset(ComplaintReview.id).page(session, query, cursor=cursor, limit=limit,
                                                 max_limit=max_limit)

