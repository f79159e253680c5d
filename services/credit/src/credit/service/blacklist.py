"""Blacklist entries: listing (with sanctions pushed to registry), lifting by a second
person, and the expiry sweep. Reads and the bulk check are in `lookups`."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit.models import AuditEvent, BlacklistEntry, OutboxEvent, Subject
from credit.schemas import ALL_SANCTIONS, BlacklistCreate, BlacklistEntryRead
from credit.service import Credit
from credit.service.subjects import audit_change, get_or_create, key_of, remote_ref, show
from credit.service.views import active_entry, show_entry, status_of
from porttrust_shared.audit import lock_chain
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from porttrust_shared.outbox import enqueue
from porttrust_shared.pii import scrub

SANCTIONS = list(ALL_SANCTIONS)
EXPIRY_ACTOR = "system:expiry"


@dataclass(frozen=True)
class Listing:
    origin: str  # manual | event | score | fraud_case
    reason: str
    evidence: str
    case_ref: str | None = None
    expires_at: dt.datetime | None = None
    sanctions: tuple[str, ...] = ALL_SANCTIONS
    person: str | None = None  # the lister's root person, when a person listed by hand


async def list_subject(session: AsyncSession, *, subject: Subject, listing: Listing,
                       actor: str, ctx: Credit) -> tuple[BlacklistEntry, bool]:
    """Blacklist `subject` unless it already is; returns the entry and whether it is new.

    A new entry sends `sanction.applied` to registry through the outbox, in this transaction.
    """
    # The audit chain lock serialises writers on PostgreSQL (SQLite has one writer anyway), so
    # two concurrent triggers cannot both find the subject unlisted.
    await lock_chain(session, AuditEvent)
    existing = await active_entry(session, subject.id)
    if existing is not None:
        await _widen(session, existing, subject, listing, actor=actor, ctx=ctx)
        return existing, False
    entry = BlacklistEntry(subject_id=subject.id, subject_kind=subject.kind,
                           subject_lookup_key=subject.lookup_key, origin=listing.origin,
                           reason=scrub(listing.reason), evidence=scrub(listing.evidence),
                           case_ref=listing.case_ref, sanctions=list(listing.sanctions),
                           listed_by=actor, listed_by_person=listing.person or actor,
                           listed_at=utcnow(), expires_at=listing.expires_at)
    session.add(entry)
    await audit_change(session, entry, action="blacklist.listed", subject=subject, actor=actor,
                       ctx=ctx, data={"origin": entry.origin, "reason": entry.reason,
                                      "case_ref": entry.case_ref,
                                      "listed_by_person": entry.listed_by_person,
                                      "expires_at": entry.expires_at,
                                      "sanctions": entry.sanctions})
    await _push(session, entry, subject, entry.sanctions)
    return entry, True


async def _push(session: AsyncSession, entry: BlacklistEntry, subject: Subject,
                sanctions: list[str]) -> None:
    await enqueue(session, OutboxEvent, destination="registry", topic="sanction.applied",
                  payload={"blacklist_id": entry.id, "subject": remote_ref(subject),
                           "sanctions": sanctions, "reason": entry.reason,
                           "case_ref": entry.case_ref})


async def _widen(session: AsyncSession, entry: BlacklistEntry, subject: Subject,
                 listing: Listing, *, actor: str, ctx: Credit) -> None:
    """A later trigger wanting a sanction the active entry lacks adds it (never removes one),
    and registry is told of the added kinds under the same blacklist id."""
    added = [kind for kind in listing.sanctions if kind not in entry.sanctions]
    if not added:
        return
    entry.sanctions = [kind for kind in SANCTIONS if kind in (*entry.sanctions, *added)]
    await audit_change(session, entry, action="blacklist.widened", subject=subject, actor=actor,
                       ctx=ctx, data={"added": added, "reason": scrub(listing.reason)})
    await _push(session, entry, subject, added)


async def record_outcome(session: AsyncSession, *, blacklist_id: str,
                         touched: list[dict[str, str]]) -> None:
    """What registry did with a sanction: kept per sub-port, the latest word winning."""
    entry = await session.get(BlacklistEntry, blacklist_id[:32])
    if entry is None:
        return
    by_number = {item["number"]: item for item in entry.sub_ports or []}
    by_number.update({item["number"]: item for item in touched})
    entry.sub_ports = sorted(by_number.values(), key=lambda item: item["number"])
    await session.flush()


async def add_entry(session: AsyncSession, *, data: BlacklistCreate, actor: str,
                    ctx: Credit, person: str | None = None) -> BlacklistEntryRead:
    """A manual entry by a person; a subject already listed is a 409 naming its entry."""
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise Unprocessable("expires_at must be in the future.")
    subject = await get_or_create(session, key_of(data.subject, ctx.cipher), ctx.cipher)
    listing = Listing(origin="manual", reason=data.reason, evidence=data.evidence,
                      expires_at=data.expires_at, sanctions=tuple(data.sanctions),
                      person=person)
    entry, created = await list_subject(session, subject=subject, listing=listing, actor=actor,
                                        ctx=ctx)
    if not created:
        raise Conflict("This subject is already blacklisted.", entry_id=entry.id)
    return show_entry(entry, show(subject, ctx))


async def lift_entry(session: AsyncSession, *, entry_id: str, reason: str, actor: str,
                     ctx: Credit, person: str | None = None) -> BlacklistEntryRead:
    """Four eyes: whoever listed an entry cannot lift it, nor any identity that person
    created (`person`: the lifter's root person). Sends `sanction.lifted`."""
    found = (await session.execute(
        select(BlacklistEntry, Subject).join(Subject, Subject.id == BlacklistEntry.subject_id)
        .where(BlacklistEntry.id == entry_id[:32]))).first()
    if found is None:
        raise NotFound("No such blacklist entry.")
    entry, subject = found
    now = utcnow()
    if (status := status_of(entry, now)) != "active":
        raise Conflict(f"The entry is already {status}.")
    if actor == entry.listed_by or (person or actor) in (entry.listed_by,
                                                          entry.listed_by_person):
        raise Forbidden("An entry must be lifted by someone other than the person who listed "
                        "it; an identity that person created counts as that person.",
                        code="four_eyes")
    entry.lifted_at, entry.lifted_by, entry.lift_reason = now, actor, scrub(reason)
    await _release(session, entry, subject, actor=actor, action="blacklist.lifted", ctx=ctx,
                   persons={"listed_by_person": entry.listed_by_person or entry.listed_by,
                            "lifted_by_person": person or actor})
    return show_entry(entry, show(subject, ctx), now)


async def release_expired(session: AsyncSession, *, ctx: Credit, batch: int = 500) -> int:
    """Tell registry about entries that expired since the last sweep; returns how many."""
    e, now = BlacklistEntry, utcnow()
    rows = (await session.execute(
        select(e, Subject).join(Subject, Subject.id == e.subject_id)
        .where(e.lifted_at.is_(None), e.released_at.is_(None), e.expires_at <= now)
        .order_by(e.expires_at).limit(batch))).all()
    for entry, subject in rows:
        await _release(session, entry, subject, actor=EXPIRY_ACTOR, action="blacklist.expired",
                       ctx=ctx)
    return len(rows)


async def _release(session: AsyncSession, entry: BlacklistEntry, subject: Subject, *,
                   actor: str, action: str, ctx: Credit,
                   persons: dict[str, str] | None = None) -> None:
    entry.released_at = utcnow()
    await audit_change(session, entry, action=action, subject=subject, actor=actor, ctx=ctx,
                       data={"reason": entry.lift_reason, **(persons or {})})
    await enqueue(session, OutboxEvent, destination="registry", topic="sanction.lifted",
                  payload={"blacklist_id": entry.id, "subject": remote_ref(subject)})
