"""Applications and their dual-approval decisions."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, Forbidden, Unprocessable
from porttrust_shared.outbox import enqueue
from porttrust_shared.pagination import Keyset
from porttrust_shared.pii import scrub
from porttrust_shared.tokens import Principal
from whitelist.clients import Registry
from whitelist.errors import AlreadyWhitelisted, DuplicateApplication, NotPending, SelfDecision
from whitelist.models import Application, AuditEvent, Entry, OutboxEvent
from whitelist.schemas import (
    ApplicationCreate,
    ApplicationStatus,
    ApproveIn,
    Category,
    RejectIn,
)
from whitelist.service.entries import expire_due
from whitelist.service.scope import in_scope, one_in_scope, scoped, where_equal
from whitelist.service.status import covering_entries, customer_entry

PENDING = ApplicationStatus.PENDING.value
LISTING = Keyset(Application.created_at, Application.id)
UNKNOWN_NUMBER = "number names no registered port or sub-port."
UNKNOWN_USCC = "uscc names no registered organization."


async def _province_for(data: ApplicationCreate, actor: Principal,
                        registry: Registry) -> str:
    """The province of the number or customer named, as registry has it. Another province's
    answers to a province-bound caller exactly as one registry does not know (same status
    and text, nothing about it); HQ may name any."""
    scope = actor.province_scope
    if scope is not None and data.province not in (None, scope):
        raise Forbidden("A province token applies for its own province only.")
    if data.number is not None:
        number = await registry.number(data.number)
        province, unknown = (number.province if number else None), UNKNOWN_NUMBER
    else:
        org = await registry.organization(str(data.uscc))
        province, unknown = (org.province if org else None), UNKNOWN_USCC
    if province is None or not in_scope(province, actor):
        raise Unprocessable(unknown)
    if data.province not in (None, province):
        raise Unprocessable(f"province must be {province}, the province of the "
                            f"{'number' if data.number else 'customer'} (or left out).")
    return province


async def _refuse_duplicates(session: AsyncSession, data: ApplicationCreate) -> None:
    entry = await _covering(session, number=data.number, uscc=data.uscc)
    if entry is not None:
        raise AlreadyWhitelisted("The number or customer is already covered by an active "
                                 "entry.", entry_id=entry.id)
    same = (Application.number == data.number if data.number is not None
            else Application.uscc == data.uscc)
    pending = await session.scalar(select(Application.id).where(
        same, Application.status == PENDING))
    if pending is not None:
        raise DuplicateApplication("Decide or withdraw the pending application first.",
                                   application_id=pending)


async def _covering(session: AsyncSession, *, number: str | None,
                    uscc: str | None) -> Entry | None:
    """The active entry already protecting this number (or its prefix), or this customer."""
    if number is not None:
        [entry] = await covering_entries(session, [number], utcnow())
        return entry
    return await customer_entry(session, str(uscc), utcnow())


async def submit_application(session: AsyncSession, *, data: ApplicationCreate,
                             actor: Principal, registry: Registry) -> Application:
    province = await _province_for(data, actor, registry)
    await _refuse_duplicates(session, data)
    row = Application(number=data.number, uscc=data.uscc, province=province,
                      category=data.category.value,
                      justification=scrub(data.justification), expires_at=data.expires_at,
                      status=PENDING, applicant=actor.sub, applicant_person=actor.person,
                      created_at=utcnow())
    session.add(row)
    await session.flush()
    await _audit(session, actor, "application.submitted", row)
    return row


async def get_application(session: AsyncSession, *, application_id: str, actor: Principal,
                          for_update: bool = False) -> Application:
    return await one_in_scope(session, Application, application_id, actor,
                              what="application", for_update=for_update)


async def list_applications(
    session: AsyncSession, *, actor: Principal, status: ApplicationStatus | None = None,
    category: Category | None = None, province: str | None = None, number: str | None = None,
    cursor: str | None = None, limit: int | None = None, max_limit: int = 500,
    uscc: str | None = None,
) -> tuple[list[Application], str | None]:
    query = where_equal(
        scoped(select(Application), Application, actor),
        (Application.status, status and status.value),
        (Application.category, category and category.value),
        (Application.province, province), (Application.number, number),
        (Application.uscc, uscc))
    return await LISTING.page(session, query, cursor=cursor, limit=limit, max_limit=max_limit)


async def _pending_decision(session: AsyncSession, application_id: str,
                            actor: Principal) -> Application:
    row = await get_application(session, application_id=application_id, actor=actor,
                                for_update=True)
    if actor.person in (row.applicant, row.applicant_person) or actor.sub == row.applicant:
        raise SelfDecision("Another person must decide on this application; an identity "
                           "created by the applicant counts as the applicant.")
    if row.status != PENDING:
        raise NotPending(f"The application is {row.status}.", status_now=row.status)
    return row


async def approve_application(session: AsyncSession, *, application_id: str, data: ApproveIn,
                              actor: Principal) -> Application:
    row = await _pending_decision(session, application_id, actor)
    if row.category == Category.OTHER.value and actor.province_scope is not None:
        raise Forbidden("A category outside the notice's list is approved at HQ.",
                        code="hq_approval_required")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise Conflict("The requested expiry has passed; apply again.")
    covering = await _covering(session, number=row.number, uscc=row.uscc)
    if covering is not None:
        raise AlreadyWhitelisted("The number or customer is already covered by an active "
                                 "entry.", entry_id=covering.id)
    entry = await _grant(session, row, actor)
    _decide(row, ApplicationStatus.APPROVED, actor, data.comment)
    row.entry_id = entry.id
    await _audit(session, actor, "application.approved", row)
    return row


async def _grant(session: AsyncSession, row: Application, actor: Principal) -> Entry:
    """The entry, its event for registry and its audit line, all in the caller's transaction."""
    # An expired entry on this number not yet announced would otherwise be announced as
    # revoked after this grant, and registry would drop the flag the new entry sets.
    await expire_due(session, number=row.number, uscc=row.uscc)
    entry = Entry(number=row.number, uscc=row.uscc, province=row.province,
                  category=row.category,
                  expires_at=row.expires_at, application_id=row.id, applicant=row.applicant,
                  granted_by=actor.sub, created_at=utcnow())
    session.add(entry)
    await session.flush()
    expires = entry.expires_at.isoformat() if entry.expires_at else None
    await enqueue(session, OutboxEvent, destination="registry", topic="whitelist.granted",
                  payload={"entry_id": entry.id, "number": entry.number, "uscc": entry.uscc,
                           "province": entry.province, "category": entry.category,
                           "expires_at": expires})
    await append_audit(session, AuditEvent, actor=actor.sub, action="entry.granted",
                       entity="entry", entity_id=entry.id, province=entry.province,
                       data={"number": entry.number, "uscc": entry.uscc,
                             "category": entry.category, "application_id": row.id})
    return entry


async def reject_application(session: AsyncSession, *, application_id: str, data: RejectIn,
                             actor: Principal) -> Application:
    row = await _pending_decision(session, application_id, actor)
    comment = data.reason if data.comment is None else f"{data.reason}\n{data.comment}"
    _decide(row, ApplicationStatus.REJECTED, actor, comment)
    await _audit(session, actor, "application.rejected", row)
    return row


async def withdraw_application(session: AsyncSession, *, application_id: str,
                               actor: Principal) -> Application:
    row = await get_application(session, application_id=application_id, actor=actor,
                                for_update=True)
    if row.applicant != actor.sub:
        raise Forbidden("Only the applicant may withdraw an application.")
    if row.status != PENDING:
        raise NotPending(f"The application is {row.status}.", status_now=row.status)
    _decide(row, ApplicationStatus.WITHDRAWN, actor, None)
    await _audit(session, actor, "application.withdrawn", row)
    return row


def _decide(row: Application, status: ApplicationStatus, actor: Principal,
            comment: str | None) -> None:
    row.status, row.decided_by, row.decided_at = status.value, actor.sub, utcnow()
    row.decision_comment = None if comment is None else scrub(comment)


async def _audit(session: AsyncSession, actor: Principal, action: str, row: Application) -> None:
    # The justification is free text and may name people, so it stays out of the chain.
    await append_audit(session, AuditEvent, actor=actor.sub, action=action,
                       entity="application", entity_id=row.id, province=row.province,
                       data={"number": row.number, "uscc": row.uscc, "category": row.category,
                             "status": row.status, "entry_id": row.entry_id,
                             "applicant_person": row.applicant_person or row.applicant,
                             "person": actor.person})
