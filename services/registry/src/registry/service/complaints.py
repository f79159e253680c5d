"""Spam complaints (R4, R6): traced at intake; valid ones forwarded to credit and counted
toward review.

A complaint on a number that was not registered at `received_at` (or that lies outside the
caller's province, which must look the same) is still kept, as untraced evidence. Valid
complaints are traced to a sub-port and are not a repeat by the same reporter on that sub-port
within the window; only they reach credit and count, so one persistent complainant can neither
open a review nor push anyone's score down. Reviews are closed in `complaint_reviews.py`.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import NotFound
from porttrust_shared.outbox import enqueue
from porttrust_shared.pagination import Keyset
from porttrust_shared.pii import PiiCipher, PiiError, mask_phone, scrub_data
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, Complaint, ComplaintReview, OutboxEvent
from registry.schemas.enforcement import ComplaintCreate, ComplaintRead, ComplaintTraceRead
from registry.schemas.trace import TraceRead
from registry.service.scope import ensure_visible
from registry.service.trace import state_at, trace_number

EVIDENCE_CHARS = 500
CONTENT = "complaint_content"  # the associated data that binds the sealed text to its column


@dataclass(frozen=True)
class ReviewRule:
    threshold: int
    window: dt.timedelta


async def _trace(session: AsyncSession, data: ComplaintCreate,
                 actor: Principal) -> dict[str, Any] | None:
    try:
        return await trace_number(session, number=data.number, at=data.received_at,
                                  actor=actor)
    except NotFound:
        return None


def _stored_trace(trace: dict[str, Any]) -> dict[str, Any]:
    """The masked trace as kept with the complaint; the blind index stays out of it."""
    stored: dict[str, Any] = scrub_data(TraceRead.model_validate(trace).model_dump(
        mode="json", exclude_none=True, exclude={"handler": {"id_number_index"}}))
    return stored


def _new_complaint(data: ComplaintCreate, trace: dict[str, Any] | None, actor: Principal,
                   cipher: PiiCipher) -> Complaint:
    sub = trace["sub_port"] if trace else None
    province = (sub or trace["port"])["province"] if trace else actor.province_scope
    return Complaint(
        number=data.number, traced=trace is not None, valid=False,
        content=cipher.encrypt(data.content, field=CONTENT),
        sub_port_number=sub["number"] if sub else None, province=province,
        reporter_enc=cipher.encrypt(data.reporter, field="phone"),
        reporter_index=cipher.blind_index(data.reporter, field="phone"),
        received_at=data.received_at, trace=_stored_trace(trace) if trace else None,
        actor=actor.sub, created_at=utcnow())


async def file_complaint(session: AsyncSession, *, data: ComplaintCreate, actor: Principal,
                         cipher: PiiCipher, rule: ReviewRule) -> ComplaintTraceRead:
    trace = await _trace(session, data, actor)
    complaint = _new_complaint(data, trace, actor, cipher)
    if complaint.sub_port_number is not None:
        complaint.valid = not await _repeat(session, complaint, rule.window)
    session.add(complaint)
    await session.flush()
    review = await _review_if_due(session, complaint, rule) if complaint.valid else None
    if complaint.valid and trace is not None:
        await _forward(session, complaint, trace, data.content, actor.province_scope)
    await append_audit(session, AuditEvent, actor=actor.sub, action="complaint.received",
                       entity="complaint", entity_id=complaint.id, province=complaint.province,
                       data={"number": complaint.number, "sub_port": complaint.sub_port_number,
                             "traced": complaint.traced, "valid": complaint.valid})
    return ComplaintTraceRead(
        **(trace or {"number": data.number, "at": data.received_at}),
        complaint_id=complaint.id, traced=complaint.traced, valid=complaint.valid,
        review_id=review.id if review else None, reporter=mask_phone(data.reporter),
        received_at=complaint.received_at)


async def _repeat(session: AsyncSession, complaint: Complaint, window: dt.timedelta) -> bool:
    at = complaint.received_at
    query = select(Complaint.id).where(
        Complaint.sub_port_number == complaint.sub_port_number,
        Complaint.reporter_index == complaint.reporter_index, Complaint.valid.is_(True),
        Complaint.received_at > at - window, Complaint.received_at < at + window).limit(1)
    return (await session.execute(query)).first() is not None


async def _review_if_due(session: AsyncSession, complaint: Complaint,
                         rule: ReviewRule) -> ComplaintReview | None:
    """Open a review when some window holding this complaint holds `threshold` valid ones.

    Complaints may arrive out of order, so every window ending at a valid complaint no
    earlier than this one (and close enough to include it) is checked, not only the latest.
    """
    number, at = complaint.sub_port_number, complaint.received_at
    assert number is not None and complaint.province is not None
    # What a closed review weighed is decided: only later complaints count toward a new one.
    since = max(at - rule.window, await _closed_until(session, number) or at - rule.window)
    times = sorted((await session.execute(select(Complaint.received_at).where(
        Complaint.sub_port_number == number, Complaint.valid.is_(True),
        Complaint.received_at > since,
        Complaint.received_at < at + rule.window))).scalars().all())
    full = [(end, count) for end in times if end >= at
            if (count := sum(end - rule.window < t <= end for t in times)) >= rule.threshold]
    if not full or await _open_review(session, number):
        return None
    end, count = full[0]
    review = ComplaintReview(sub_port_number=number, province=complaint.province,
                             complaint_count=count, window_start=end - rule.window,
                             window_end=end, status="open", created_at=utcnow())
    session.add(review)
    await session.flush()
    await append_audit(session, AuditEvent, actor="registry",
                       action="sub_port.complaint_review_opened", entity="sub_port",
                       entity_id=number, province=complaint.province,
                       data={"review_id": review.id, "complaints": count,
                             "window_days": rule.window.days})
    return review


async def _closed_until(session: AsyncSession, number: str) -> dt.datetime | None:
    return await session.scalar(select(func.max(ComplaintReview.window_end)).where(
        ComplaintReview.sub_port_number == number, ComplaintReview.status == "closed"))


async def _open_review(session: AsyncSession, number: str) -> bool:
    query = select(ComplaintReview.id).where(ComplaintReview.sub_port_number == number,
                                             ComplaintReview.status == "open").limit(1)
    return (await session.execute(query)).first() is not None


async def subjects_of(session: AsyncSession, trace: dict[str, Any], at: dt.datetime,
                      scope: str | None) -> list[dict[str, str]]:
    """holder, user unit and handler as credit subjects; the handler by its blind index. A
    province-bound caller's complaint reaches only its own province's organisations: the
    holder of a national port registered elsewhere is left to HQ-wide callers (gateways,
    enforcement), so one province cannot lower another's company's credit."""
    subjects = []
    for kind in ("holder", "user_unit"):
        party = trace.get(kind)
        if party and await _of_province(session, party["uscc"], at, scope):
            subjects.append({"kind": kind, "key": party["uscc"]})
    if trace.get("handler"):
        state = await state_at(session, "handler", trace["handler"]["id"], at)
        if state and state.get("id_number_index"):
            subjects.append({"kind": "handler", "id_number_index": state["id_number_index"]})
    return subjects


async def _of_province(session: AsyncSession, uscc: str, at: dt.datetime,
                       scope: str | None) -> bool:
    if scope is None:
        return True
    state = await state_at(session, "organization", uscc, at)
    return state is not None and state.get("province") == scope


async def _forward(session: AsyncSession, complaint: Complaint, trace: dict[str, Any],
                   content: str, scope: str | None) -> None:
    # The outbox masks ID numbers and phones inside the content before it is stored.
    evidence = {"complaint_id": complaint.id, "number": complaint.number,
                "sub_port": complaint.sub_port_number,
                "received_at": complaint.received_at.isoformat(),
                "content": content[:EVIDENCE_CHARS]}
    for subject in await subjects_of(session, trace, complaint.received_at, scope):
        await enqueue(session, OutboxEvent, destination="credit", topic="credit_event.reported",
                      payload={"subject": subject, "type": "spam_complaint",
                               "occurred_at": complaint.received_at.isoformat(),
                               "evidence": evidence,
                               "source_ref": f"registry:complaint:{complaint.id}"})


def content_of(complaint: Complaint, cipher: PiiCipher) -> str:
    """The complaint's text, opened (ComplaintRead masks it on the way out). Complaints kept
    before their content was sealed hold it as written."""
    try:
        return cipher.decrypt(complaint.content, field=CONTENT)
    except PiiError:
        return complaint.content


def to_read(complaint: Complaint, cipher: PiiCipher) -> ComplaintRead:
    reporter = mask_phone(cipher.decrypt(complaint.reporter_enc, field="phone"))
    return ComplaintRead(
        id=complaint.id, number=complaint.number, sub_port_number=complaint.sub_port_number,
        province=complaint.province, traced=complaint.traced, valid=complaint.valid,
        reporter=reporter, content=content_of(complaint, cipher),
        received_at=complaint.received_at,
        created_at=complaint.created_at, trace=complaint.trace)


async def get_complaint(session: AsyncSession, *, complaint_id: str,
                        actor: Principal) -> Complaint:
    found = await session.get(Complaint, complaint_id)
    return ensure_visible(actor, found, found.province if found else None, "complaint")


async def list_complaints(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    filters: dict[str, Any], max_limit: int = 500,
) -> tuple[list[Complaint], str | None]:
    """Newest first. `filters`: sub_port_number, number, traced, valid."""
    query = select(Complaint)
    if actor.province_scope is not None:
        query = query.where(Complaint.province == actor.province_scope)
    for field, value in filters.items():
        if value is not None:
            query = query.where(getattr(Complaint, field) == value)
    return await _NEWEST_FIRST.page(session, query, cursor=cursor, limit=limit,
                                    max_limit=max_limit)


_NEWEST_FIRST = Keyset(Complaint.received_at, Complaint.id, descending=True)
