"""Credit events: recorded with time, source and evidence. A barring type (fraud case,
real-name violation) blacklists its subject; a score below the threshold only proposes a
listing (`propose`), which a person decides (`proposals`)."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit.models import BlacklistEntry, CreditEvent, ListingProposal, Subject
from credit.schemas import CreditEventRecorded, SubjectRef
from credit.service import Credit
from credit.service.blacklist import Listing, list_subject
from credit.service.scoring import level_of, score_at
from credit.service.subjects import audit_change, get_or_create, key_of, show
from credit.service.views import active_entry, show_entry, show_event, show_proposal
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Unprocessable
from porttrust_shared.pii import scrub

CLOCK_SKEW = dt.timedelta(minutes=5)
PROPOSER = "system:score"
MAX_EVENT_IDS = 50


@dataclass(frozen=True)
class Report:
    type: str
    occurred_at: dt.datetime
    evidence: str
    source: str  # api | registry | fraud_case
    source_ref: str | None = None


def check_report(report: Report, ctx: Credit) -> None:
    """What a person reports must be a known type and not in the future."""
    if report.type not in ctx.policy.weights:
        raise Unprocessable("Unknown credit event type.", allowed=sorted(ctx.policy.weights))
    if report.occurred_at > utcnow() + CLOCK_SKEW:
        raise Unprocessable("occurred_at must not be in the future.")


async def record_event(session: AsyncSession, *, subject: Subject, report: Report, actor: str,
                       ctx: Credit) -> CreditEvent:
    event = CreditEvent(subject_id=subject.id, type=report.type, occurred_at=report.occurred_at,
                        source=report.source, source_ref=report.source_ref,
                        evidence=scrub(report.evidence), reported_by=actor)
    session.add(event)
    await audit_change(session, event, action="credit_event.recorded", subject=subject,
                       actor=actor, ctx=ctx, data={"type": event.type,
                                                   "occurred_at": event.occurred_at,
                                                   "source": event.source,
                                                   "source_ref": event.source_ref})
    return event


async def current_score(session: AsyncSession, subject_id: str, ctx: Credit) -> float:
    rows = await session.execute(select(CreditEvent.type, CreditEvent.occurred_at)
                                 .where(CreditEvent.subject_id == subject_id))
    return score_at(rows.all(), at=utcnow(), policy=ctx.policy)


def automatic_listing(event: CreditEvent) -> Listing:
    """Only what the notice bars at once lists by itself: a fraud case or a confirmed
    real-name violation (`CREDIT_BLACKLIST_EVENT_TYPES`). A low score only proposes."""
    return Listing(origin="event", reason=f"automatic: {event.type} reported",
                   evidence=event.evidence, case_ref=event.source_ref)


async def report_event(session: AsyncSession, *, ref: SubjectRef, report: Report, actor: str,
                       ctx: Credit) -> CreditEventRecorded:
    """Record a reported event for the subject `ref` names, then apply the blacklisting rules."""
    check_report(report, ctx)
    return await apply_event(session, ref=ref, report=report, actor=actor, ctx=ctx)


async def apply_event(session: AsyncSession, *, ref: SubjectRef, report: Report, actor: str,
                      ctx: Credit) -> CreditEventRecorded:
    subject = await get_or_create(session, key_of(ref, ctx.cipher), ctx.cipher)
    event = await record_event(session, subject=subject, report=report, actor=actor, ctx=ctx)
    score = await current_score(session, subject.id, ctx)
    entry: BlacklistEntry | None = None
    proposal: ListingProposal | None = None
    if event.type in ctx.policy.blacklisting_types:
        entry, _ = await list_subject(session, subject=subject, listing=automatic_listing(event),
                                      actor=actor, ctx=ctx)
    elif score < ctx.policy.blacklist_below and await active_entry(session, subject.id) is None:
        proposal = await propose(session, subject=subject, event=event, score=score, ctx=ctx)
    shown = show(subject, ctx)
    return CreditEventRecorded(
        event=show_event(event, shown), score=score, level=level_of(score),
        blacklist_entry=show_entry(entry, shown) if entry is not None else None,
        listing_proposal=show_proposal(proposal, shown) if proposal is not None else None)


async def propose(session: AsyncSession, *, subject: Subject, event: CreditEvent, score: float,
                  ctx: Credit) -> ListingProposal:
    """Open a proposal for `subject`, or bring its open one up to date with `event`."""
    proposal = await session.scalar(select(ListingProposal).where(
        ListingProposal.subject_id == subject.id, ListingProposal.status == "open"))
    now = utcnow()
    if proposal is None:
        proposal = ListingProposal(subject_id=subject.id, score=score, event_ids=[event.id],
                                   threshold=ctx.policy.blacklist_below, status="open",
                                   created_at=now, updated_at=now)
        session.add(proposal)
        action = "listing_proposal.opened"
    else:
        proposal.score, proposal.updated_at = score, now
        proposal.event_ids = [*proposal.event_ids, event.id][-MAX_EVENT_IDS:]
        action = "listing_proposal.updated"
    await audit_change(session, proposal, action=action, subject=subject, actor=PROPOSER, ctx=ctx,
                       data={"score": score, "threshold": proposal.threshold,
                             "event_id": event.id})
    return proposal
