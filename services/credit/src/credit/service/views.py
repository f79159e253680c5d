"""Stored rows as the API shows them, and the state of a blacklist entry (in Python and in
SQL): what several domain modules share. Imports no other domain module."""

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from credit.models import BlacklistEntry, CreditEvent, ListingProposal
from credit.schemas import (
    BlacklistEntryRead,
    CreditEventRead,
    ProposalRead,
    SubjectOut,
    SubPortTouched,
)
from porttrust_shared.db import utcnow


def is_active(now: dt.datetime) -> ColumnElement[bool]:
    e = BlacklistEntry
    return and_(e.lifted_at.is_(None), or_(e.expires_at.is_(None), e.expires_at > now))


def status_of(entry: BlacklistEntry, now: dt.datetime) -> str:
    if entry.lifted_at is not None:
        return "lifted"
    if entry.expires_at is not None and entry.expires_at <= now:
        return "expired"
    return "active"


async def active_entry(session: AsyncSession, subject_id: str) -> BlacklistEntry | None:
    return await session.scalar(
        select(BlacklistEntry).where(BlacklistEntry.subject_id == subject_id, is_active(utcnow()))
        .order_by(BlacklistEntry.listed_at).limit(1))


def show_entry(entry: BlacklistEntry, shown: SubjectOut,
               now: dt.datetime | None = None) -> BlacklistEntryRead:
    return BlacklistEntryRead(
        id=entry.id, subject=shown,
        status=status_of(entry, now or utcnow()),
        origin=entry.origin, reason=entry.reason, evidence=entry.evidence,
        case_ref=entry.case_ref, sanctions=entry.sanctions, listed_by=entry.listed_by,
        listed_at=entry.listed_at, expires_at=entry.expires_at, lifted_at=entry.lifted_at,
        lifted_by=entry.lifted_by, lift_reason=entry.lift_reason,
        sub_ports=[SubPortTouched(**touched, blacklist_id=entry.id)
                   for touched in entry.sub_ports or []])


def show_event(event: CreditEvent, shown: SubjectOut) -> CreditEventRead:
    return CreditEventRead(id=event.id, subject=shown, type=event.type,
                           occurred_at=event.occurred_at, source=event.source,
                           source_ref=event.source_ref, evidence=event.evidence,
                           reported_by=event.reported_by, created_at=event.created_at)


def proposal_reason(proposal: ListingProposal) -> str:
    return f"score {proposal.score} below {proposal.threshold}"


def show_proposal(proposal: ListingProposal, shown: SubjectOut) -> ProposalRead:
    return ProposalRead(
        id=proposal.id, subject=shown, status=proposal.status,
        score=proposal.score, threshold=proposal.threshold, reason=proposal_reason(proposal),
        event_ids=list(proposal.event_ids), created_at=proposal.created_at,
        updated_at=proposal.updated_at, decided_by=proposal.decided_by,
        decided_at=proposal.decided_at, decision_reason=proposal.decision_reason,
        entry_id=proposal.entry_id)
