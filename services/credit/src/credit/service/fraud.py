"""Fraud cases: trace the number at the moment of the case, then bar everyone behind it."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit.clients import RegistryClient, Trace
from credit.models import AuditEvent, BlacklistEntry, FraudCase
from credit.schemas import FraudCaseCreate, FraudCaseParty, FraudCaseRead, SubPortTouched
from credit.service import Credit
from credit.service.blacklist import Listing, list_subject
from credit.service.credit_events import CLOCK_SKEW, Report, record_event
from credit.service.subjects import HANDLER, SubjectKey, get_or_create, show
from porttrust_shared.audit import append_audit
from porttrust_shared.db import new_id, utcnow
from porttrust_shared.errors import Conflict, DependencyUnavailable, NotFound, Unprocessable
from porttrust_shared.pii import mask_name


async def report_fraud_case(session: AsyncSession, *, data: FraudCaseCreate, actor: str,
                            ctx: Credit, registry: RegistryClient) -> tuple[FraudCaseRead, bool]:
    """Returns the case and whether it is new; the same case_ref again gives the same answer.

    Registry is asked before anything is written, so a 503 leaves no trace here.
    """
    known = await session.scalar(select(FraudCase).where(FraudCase.case_ref == data.case_ref))
    if known is not None:
        if known.number != data.number or known.occurred_at != data.occurred_at:
            raise Conflict("This case_ref was reported for another number or moment.")
        return await with_sub_ports(session, FraudCaseRead.model_validate(known.result)), False
    if data.occurred_at > utcnow() + CLOCK_SKEW:
        raise Unprocessable("occurred_at must not be in the future.")
    trace = await registry.trace(data.number, at=data.occurred_at)
    if trace is None:
        raise NotFound("The number was not registered at that moment.")
    case = FraudCaseRead(id=new_id(), case_ref=data.case_ref, number=data.number,
                         occurred_at=data.occurred_at, matched=trace.matched,
                         sub_port=trace.sub_port.number if trace.sub_port else None,
                         parties=[], reported_by=actor, created_at=utcnow(),
                         sanctions=data.sanctions)
    for key, name in _parties(trace):
        case.parties.append(await _bar(session, key=key, name=name, case=case, ctx=ctx))
    session.add(FraudCase(id=case.id, case_ref=case.case_ref, number=case.number,
                          occurred_at=case.occurred_at, reported_by=actor,
                          created_at=case.created_at, result=case.model_dump(mode="json")))
    await append_audit(session, AuditEvent, actor=actor, action="fraud_case.reported",
                       entity="fraud_case", entity_id=case.id,
                       data={"case_ref": case.case_ref, "number": case.number,
                             "parties": [p.subject.subject_id for p in case.parties]})
    return case, True


def _parties(trace: Trace) -> list[tuple[SubjectKey, str | None]]:
    parties: list[tuple[SubjectKey, str | None]] = []
    for kind, org in (("holder", trace.holder), ("user_unit", trace.user_unit)):
        if org is not None:
            parties.append((SubjectKey(kind, org.uscc.strip().upper()), org.name))
    if trace.handler is not None:
        if trace.handler.id_number_index is None:
            raise DependencyUnavailable("registry's trace did not name the handler's index",
                                        service="registry")
        name = mask_name(trace.handler.name) if trace.handler.name else None
        parties.append((SubjectKey(HANDLER, trace.handler.id_number_index), name))
    return parties


async def _bar(session: AsyncSession, *, key: SubjectKey, name: str | None, case: FraudCaseRead,
               ctx: Credit) -> FraudCaseParty:
    subject = await get_or_create(session, key, ctx.cipher)
    evidence = f"fraud case {case.case_ref} on {case.number}"
    report = Report(type="fraud_case", occurred_at=case.occurred_at, evidence=evidence,
                    source="fraud_case", source_ref=case.case_ref)
    event = await record_event(session, subject=subject, report=report,
                               actor=case.reported_by, ctx=ctx)
    listing = Listing(origin="fraud_case", reason=f"fraud case {case.case_ref}",
                      evidence=evidence, case_ref=case.case_ref,
                      sanctions=tuple(case.sanctions))
    entry, _ = await list_subject(session, subject=subject, listing=listing,
                                  actor=case.reported_by, ctx=ctx)
    return FraudCaseParty(subject=show(subject, ctx), event_id=event.id, entry_id=entry.id,
                          name=name)



async def get_fraud_case(session: AsyncSession, *, case_id: str) -> FraudCaseRead:
    case = await session.get(FraudCase, case_id[:32])
    if case is None:
        raise NotFound("No such fraud case.")
    return await with_sub_ports(session, FraudCaseRead.model_validate(case.result))


async def with_sub_ports(session: AsyncSession, case: FraudCaseRead) -> FraudCaseRead:
    """The case with every sub-port its parties' sanctions touched, as registry reported it
    back: whoever lifts an entry sees what it did."""
    ids = [party.entry_id for party in case.parties]
    entries = (await session.execute(
        select(BlacklistEntry).where(BlacklistEntry.id.in_(ids)))).scalars().all()
    case.sub_ports = [SubPortTouched(**touched, blacklist_id=entry.id)
                      for entry in sorted(entries, key=lambda e: ids.index(e.id))
                      for touched in entry.sub_ports or []]
    return case
