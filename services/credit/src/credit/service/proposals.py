"""Listing proposals, as people decide them: a score below the threshold lists nobody by
itself; it proposes (`credit_events.propose`), and a person accepts (the subject is listed
with the sanctions they choose) or dismisses."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit.models import ListingProposal, Subject
from credit.schemas import ProposalAccept, ProposalDismiss, ProposalRead
from credit.service import Credit
from credit.service.blacklist import Listing, list_subject
from credit.service.subjects import audit_change, show
from credit.service.views import proposal_reason, show_proposal
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, NotFound
from porttrust_shared.pagination import Keyset
from porttrust_shared.pii import scrub


async def _open(session: AsyncSession, proposal_id: str) -> tuple[ListingProposal, Subject]:
    found = (await session.execute(
        select(ListingProposal, Subject).join(Subject, Subject.id == ListingProposal.subject_id)
        .where(ListingProposal.id == proposal_id[:32]).with_for_update())).first()
    if found is None:
        raise NotFound("No such listing proposal.")
    proposal, subject = found
    if proposal.status != "open":
        raise Conflict(f"The proposal is already {proposal.status}.")
    return proposal, subject


async def _decide(session: AsyncSession, proposal: ListingProposal, subject: Subject, *,
                  status: str, reason: str, actor: str, ctx: Credit) -> ProposalRead:
    proposal.status, proposal.decided_by = status, actor
    proposal.decided_at, proposal.decision_reason = utcnow(), scrub(reason)
    await audit_change(session, proposal, action=f"listing_proposal.{status}", subject=subject,
                       actor=actor, ctx=ctx, data={"score": proposal.score,
                                                   "reason": proposal.decision_reason,
                                                   "entry_id": proposal.entry_id})
    return show_proposal(proposal, show(subject, ctx))


async def accept(session: AsyncSession, *, proposal_id: str, data: ProposalAccept, actor: str,
                 ctx: Credit, person: str | None = None) -> ProposalRead:
    """List the subject with the sanctions chosen (both by default); `person`: the accepting
    caller's root person, whom the lift's two-person rule compares."""
    proposal, subject = await _open(session, proposal_id)
    listing = Listing(origin="proposal", reason=f"accepted proposal: {proposal_reason(proposal)}",
                      evidence=f"listing proposal {proposal.id}; {scrub(data.reason)}",
                      sanctions=tuple(data.sanctions), person=person)
    entry, _ = await list_subject(session, subject=subject, listing=listing, actor=actor,
                                  ctx=ctx)
    proposal.entry_id = entry.id
    return await _decide(session, proposal, subject, status="accepted", reason=data.reason,
                         actor=actor, ctx=ctx)


async def dismiss(session: AsyncSession, *, proposal_id: str, data: ProposalDismiss,
                  actor: str, ctx: Credit) -> ProposalRead:
    proposal, subject = await _open(session, proposal_id)
    return await _decide(session, proposal, subject, status="dismissed", reason=data.reason,
                         actor=actor, ctx=ctx)


async def list_proposals(session: AsyncSession, *, status: str | None, cursor: str | None,
                         limit: int | None, ctx: Credit) -> tuple[list[ProposalRead], str | None]:
    """Oldest first, so the longest-waiting proposal is decided first."""
    query = select(ListingProposal, Subject).join(Subject,
                                                  Subject.id == ListingProposal.subject_id)
    if status is not None:
        query = query.where(ListingProposal.status == status)
    rows, next_cursor = await _OLDEST_FIRST.page(session, query, cursor=cursor, limit=limit,
                                                 max_limit=ctx.page_limit_max)
    return [show_proposal(row, show(subject, ctx)) for row, subject in rows], next_cursor


_OLDEST_FIRST = Keyset(ListingProposal.created_at, ListingProposal.id)
