"""The whitelist's routes: applications, entries, status, progress and combing."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from porttrust_shared.db import utcnow
from porttrust_shared.deps import PrincipalDep, ReadSessionDep, SessionDep
from porttrust_shared.errors import Unprocessable
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from porttrust_shared.validators import check_port_number
from whitelist.deps import Applicant, CombingReader, Decider, Reader, RegistryDep
from whitelist.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationStatus,
    ApproveIn,
    Category,
    CombingCustomerRead,
    CombingDecideIn,
    CombingUploadRead,
    CompleteIn,
    ConfirmIn,
    EntryRead,
    ProgressRead,
    ProvinceProgress,
    RejectIn,
    RevokeIn,
    StatusBatchIn,
    StatusBatchOut,
    StatusRead,
)
from whitelist.service import applications, combing, entries, progress, review, status


def _operation_id(route: APIRoute) -> str:
    return route.name  # the handler's verb_noun name, as Swagger and client generators show it


router = APIRouter(generate_unique_id_function=_operation_id)
ProvinceQ = Annotated[str | None, Query(pattern=r"^[0-9]{2}$")]
NumberQ = Annotated[str | None, Query(pattern=r"^[0-9]{8,21}$")]
UsccQ = Annotated[str | None, Query(pattern=r"^[0-9A-Z]{18}$")]
CursorQ = Annotated[str | None, Query(max_length=512)]
LimitQ = Annotated[int | None, Query(ge=1)]
NDJSON = ("application/x-ndjson", "application/ndjson")
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Not yours, or unknown"}}


def _app_read(row: object) -> ApplicationRead:
    return ApplicationRead.model_validate(row)


@router.post("/v1/applications", status_code=201, response_model=ApplicationRead,
             tags=["applications"])
async def submit_application(data: ApplicationCreate, session: SessionDep, actor: Applicant,
                             idem: IdempotencyDep, registry: RegistryDep) -> JSONResponse:
    """Apply to whitelist a port or sub-port (`number`) or a customer (`uscc`: all the
    sub-ports it uses, now and later), in its province as registry says; another person must
    approve it."""

    async def produce() -> ApplicationRead:
        row = await applications.submit_application(session, data=data, actor=actor,
                                                    registry=registry)
        return _app_read(row)

    return await idem.run(produce)


@router.get("/v1/applications", tags=["applications"])
async def list_applications(
    session: ReadSessionDep, actor: Reader, status: ApplicationStatus | None = None,
    category: Category | None = None, province: ProvinceQ = None, number: NumberQ = None,
    uscc: UsccQ = None, cursor: CursorQ = None, limit: LimitQ = None,
) -> Page[ApplicationRead]:
    """Applications, oldest first; filter by status, category, province, number or uscc."""
    rows, next_cursor = await applications.list_applications(
        session, actor=actor, status=status, category=category, province=province,
        number=number, uscc=uscc, cursor=cursor, limit=limit)
    return Page(items=[_app_read(r) for r in rows], next_cursor=next_cursor)


@router.get("/v1/applications/{application_id}", tags=["applications"])
async def get_application(application_id: str, session: ReadSessionDep,
                          actor: Reader) -> ApplicationRead:
    """One application."""
    row = await applications.get_application(session, application_id=application_id,
                                             actor=actor)
    return _app_read(row)


@router.post("/v1/applications/{application_id}/approve", response_model=ApplicationRead,
             tags=["applications"])
async def approve_application(application_id: str, session: SessionDep, actor: Decider,
                              idem: IdempotencyDep,
                              data: ApproveIn | None = None) -> JSONResponse:
    """Approve (approver must differ from applicant): creates the entry, tells registry."""

    async def produce() -> ApplicationRead:
        row = await applications.approve_application(
            session, application_id=application_id, data=data or ApproveIn(), actor=actor)
        return _app_read(row)

    return await idem.run(produce, status=200)


@router.post("/v1/applications/{application_id}/reject", response_model=ApplicationRead,
             tags=["applications"])
async def reject_application(application_id: str, data: RejectIn, session: SessionDep,
                             actor: Decider, idem: IdempotencyDep) -> JSONResponse:
    """Reject with a reason (the decider must differ from the applicant)."""

    async def produce() -> ApplicationRead:
        row = await applications.reject_application(
            session, application_id=application_id, data=data, actor=actor)
        return _app_read(row)

    return await idem.run(produce, status=200)


@router.post("/v1/applications/{application_id}/withdraw", response_model=ApplicationRead,
             tags=["applications"])
async def withdraw_application(application_id: str, session: SessionDep, actor: Applicant,
                               idem: IdempotencyDep) -> JSONResponse:
    """The applicant withdraws a pending application."""

    async def produce() -> ApplicationRead:
        row = await applications.withdraw_application(
            session, application_id=application_id, actor=actor)
        return _app_read(row)

    return await idem.run(produce, status=200)


@router.get("/v1/entries", tags=["entries"])
async def list_entries(
    session: ReadSessionDep, actor: Reader, province: ProvinceQ = None,
    category: Category | None = None, active: bool | None = None, number: NumberQ = None,
    uscc: UsccQ = None, cursor: CursorQ = None, limit: LimitQ = None,
) -> Page[EntryRead]:
    """Whitelist entries; `active=true` leaves out revoked and expired ones."""
    rows, next_cursor = await entries.list_entries(
        session, actor=actor, province=province, category=category, active=active,
        number=number, uscc=uscc, cursor=cursor, limit=limit)
    now = utcnow()
    return Page(items=[entries.entry_view(r, now) for r in rows], next_cursor=next_cursor)


@router.get("/v1/entries/{entry_id}", tags=["entries"])
async def get_entry(entry_id: str, session: ReadSessionDep, actor: Reader) -> EntryRead:
    """One entry."""
    return entries.entry_view(await entries.get_entry(session, entry_id=entry_id, actor=actor))


@router.post("/v1/entries/{entry_id}/revoke", response_model=EntryRead, tags=["entries"])
async def revoke_entry(entry_id: str, data: RevokeIn, session: SessionDep, actor: Decider,
                       idem: IdempotencyDep) -> JSONResponse:
    """Revoke an active entry; registry is told through the outbox."""

    async def produce() -> EntryRead:
        row = await entries.revoke_entry(session, entry_id=entry_id, reason=data.reason,
                                         actor=actor)
        return entries.entry_view(row)

    return await idem.run(produce, status=200)


@router.post("/v1/entries/{entry_id}/confirm", response_model=EntryRead, tags=["entries"],
             responses={404: {"description": "No such entry (or another province's)"},
                        409: {"description": "The entry is not under review"}})
async def confirm_entry(entry_id: str, data: ConfirmIn, session: SessionDep,
                        actor: Decider) -> EntryRead:
    """Confirm an entry under review (its sub-port's business type changed); audited."""
    row = await review.confirm_entry(session, entry_id=entry_id, reason=data.reason, actor=actor)
    return entries.entry_view(row)


@router.get("/v1/status/{number}", tags=["status"])
async def get_status(number: str, session: ReadSessionDep, actor: PrincipalDep) -> StatusRead:
    """Is this port or sub-port whitelisted? A port's entry covers its sub-ports."""
    try:
        number = check_port_number(number)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from None
    [result] = await status.statuses(session, numbers=[number], now=utcnow())
    return result


@router.post("/v1/status/batch", tags=["status"])
async def get_status_batch(data: StatusBatchIn, session: ReadSessionDep,
                           actor: PrincipalDep) -> StatusBatchOut:
    """Status of up to 1,000 numbers, answered in the order asked."""
    return StatusBatchOut(results=await status.statuses(session, numbers=data.numbers,
                                                        now=utcnow()))


@router.get("/v1/progress", tags=["progress"])
async def get_progress(session: ReadSessionDep, actor: Reader) -> ProgressRead:
    """Combing progress per province (counts and a rate): all 31 for HQ, one's own for a
    province."""
    return ProgressRead(provinces=await progress.progress(session, actor=actor))


@router.post("/v1/progress/{province}/complete", response_model=ProvinceProgress,
             tags=["progress"])
async def complete_combing(province: str, session: SessionDep, actor: Applicant,
                           idem: IdempotencyDep, data: CompleteIn | None = None) -> JSONResponse:
    """Declare this province's whitelist customer combing done."""

    async def produce() -> ProvinceProgress:
        note = data.note if data else None
        return await progress.declare_combing_done(session, province=province, note=note,
                                                   actor=actor)

    return await idem.run(produce, status=200)


@router.post("/v1/combing/customers", tags=["progress"], responses={
    **NOT_FOUND, 422: {"description": "No uscc column; HQ without province"}})
async def upload_combing_customers(request: Request, session: SessionDep, actor: Applicant,
                                   province: ProvinceQ = None) -> CombingUploadRead:
    """Upload customers to comb: CSV with a `uscc` column, or NDJSON `{"uscc": …}` lines."""
    ndjson = request.headers.get("content-type", "").split(";")[0].strip() in NDJSON
    return await combing.upload_customers(session, body=await request.body(), ndjson=ndjson,
                                          province=province, actor=actor)


@router.get("/v1/combing/customers", tags=["progress"])
async def list_combing_customers(session: ReadSessionDep, actor: CombingReader,
                                 province: ProvinceQ = None, combed: bool | None = None,
                                 cursor: CursorQ = None, limit: LimitQ = None,
                                 ) -> Page[CombingCustomerRead]:
    """Customers to comb in your province (HQ: all, or `province`); `combed` filters."""
    rows, after = await combing.list_customers(session, actor=actor, province=province,
                                               combed=combed, cursor=cursor, limit=limit)
    return Page(items=[CombingCustomerRead.model_validate(r) for r in rows],
                next_cursor=after)


@router.post("/v1/combing/customers/{uscc}/decide", tags=["progress"], responses=NOT_FOUND)
async def decide_combing_customer(uscc: str, data: CombingDecideIn, session: SessionDep,
                                  actor: Applicant) -> CombingCustomerRead:
    """Mark a customer combed: `applied` (an application names it) or `not_needed`."""
    row = await combing.decide_customer(session, uscc=uscc, data=data, actor=actor)
    return CombingCustomerRead.model_validate(row)
