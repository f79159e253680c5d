from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime

from credit.deps import (
    CHECK_BODY_DOC,
    CheckReadsDep,
    CreditDep,
    Lister,
    Reader,
    RegistryDep,
    Reporter,
    check_body,
)
from credit.schemas import (
    BlacklistCreate,
    BlacklistEntryRead,
    CheckResults,
    CreditEventCreate,
    CreditEventRecorded,
    FraudCaseCreate,
    FraudCaseRead,
    LiftRequest,
    ProposalAccept,
    ProposalDismiss,
    ProposalRead,
    SubjectRead,
)
from credit.service import blacklist, fraud, lookups, proposals
from credit.service.credit_events import Report, report_event
from porttrust_shared.deps import SessionDep
from porttrust_shared.fields import Iso8601
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page

router = APIRouter()
Cursor = Annotated[str | None, Query(max_length=2048)]
Limit = Annotated[int | None, Query(ge=1)]
Filter = Annotated[str | None, Query(max_length=128)]


@router.get("/v1/subjects/{kind}/{key}", response_model=SubjectRead, tags=["subjects"])
async def get_subject(kind: str, key: str, session: SessionDep, ctx: CreditDep, _: Reader,
                      at: Annotated[AwareDatetime | None, Iso8601, Query()] = None,
                      ) -> SubjectRead:
    """Score, level, blacklist state and history. A handler's key is its subject id."""
    return await lookups.subject_record(session, kind=kind, key=key, at=at, ctx=ctx)


@router.post("/v1/credit-events", status_code=201, response_model=CreditEventRecorded,
             tags=["credit events"])
async def create_credit_event(data: CreditEventCreate, session: SessionDep, ctx: CreditDep,
                              actor: Reporter, idem: IdempotencyDep) -> JSONResponse:
    """Record a credit event; it may blacklist its subject (README: automatic blacklisting)."""
    report = Report(type=data.type, occurred_at=data.occurred_at, evidence=data.evidence,
                    source="api")
    return await idem.run(lambda: report_event(session, ref=data.subject, report=report,
                                               actor=actor.sub, ctx=ctx))


@router.post("/v1/fraud-cases", status_code=201, response_model=FraudCaseRead,
             tags=["fraud cases"], responses={200: {"description": "case_ref seen before"}})
async def report_fraud_case(data: FraudCaseCreate, session: SessionDep, ctx: CreditDep,
                            actor: Lister, registry: RegistryDep) -> JSONResponse:
    """Trace the number at the moment of the case and blacklist holder, user unit, handler."""
    case, new = await fraud.report_fraud_case(session, data=data, actor=actor.sub, ctx=ctx,
                                              registry=registry)
    return JSONResponse(case.model_dump(mode="json"), status_code=201 if new else 200)


@router.get("/v1/fraud-cases/{case_id}", response_model=FraudCaseRead, tags=["fraud cases"],
            responses={404: {"description": "No such fraud case"}})
async def get_fraud_case(case_id: str, session: SessionDep, _: Reader) -> FraudCaseRead:
    """A fraud case with every sub-port its sanctions touched (suspended, spared)."""
    return await fraud.get_fraud_case(session, case_id=case_id)


@router.post("/v1/blacklist", status_code=201, response_model=BlacklistEntryRead,
             tags=["blacklist"])
async def create_blacklist_entry(data: BlacklistCreate, session: SessionDep, ctx: CreditDep,
                                 actor: Lister, idem: IdempotencyDep) -> JSONResponse:
    """Blacklist a subject by hand; sanctions reach registry through the outbox."""
    return await idem.run(lambda: blacklist.add_entry(session, data=data, actor=actor.sub,
                                                      ctx=ctx, person=actor.person))


@router.get("/v1/blacklist", response_model=Page[BlacklistEntryRead], tags=["blacklist"])
async def list_blacklist_entries(
    session: SessionDep, ctx: CreditDep, _: Reader, cursor: Cursor = None, limit: Limit = None,
    kind: Literal["holder", "user_unit", "handler"] | None = None,
    status: Literal["active", "lifted", "expired"] | None = None,
    origin: Literal["manual", "event", "score", "proposal", "fraud_case"] | None = None,
    case_ref: Filter = None, subject_id: Filter = None,
) -> Page[BlacklistEntryRead]:
    """Blacklist entries, newest first, with cursor pagination."""
    filters = lookups.EntryFilters(kind=kind, status=status, origin=origin, case_ref=case_ref,
                                   subject_id=subject_id)
    items, next_cursor = await lookups.list_entries(session, filters=filters, cursor=cursor,
                                                    limit=limit, ctx=ctx)
    return Page(items=items, next_cursor=next_cursor)


@router.post("/v1/blacklist/check", response_model=CheckResults, tags=["blacklist"],
             openapi_extra=CHECK_BODY_DOC)
async def check_blacklist(request: Request, _: Reader, reads: CheckReadsDep) -> Response:
    """Up to 1,000 subjects per call, answered in order; ID numbers are never echoed."""
    data = await check_body(request)  # the body as BlacklistCheck, read by pydantic itself
    body = await lookups.check_subjects(
        reads.sessions, refs=data["subjects"], ctx=reads.credit,
        cache=reads.cache("blacklist_check", tables=("blacklist_entries",)))
    return Response(body, media_type="application/json")


@router.post("/v1/blacklist/{entry_id}/lift", response_model=BlacklistEntryRead,
             tags=["blacklist"])
async def lift_blacklist_entry(entry_id: str, data: LiftRequest, session: SessionDep,
                               ctx: CreditDep, actor: Lister) -> BlacklistEntryRead:
    """Lift an entry: needs a reason and someone other than who listed it."""
    return await blacklist.lift_entry(session, entry_id=entry_id, reason=data.reason,
                                      actor=actor.sub, ctx=ctx, person=actor.person)


DECIDED: dict[int | str, dict[str, Any]] = {404: {"description": "No such proposal"},
           409: {"description": "The proposal is already decided"}}


@router.get("/v1/listing-proposals", response_model=Page[ProposalRead],
            tags=["listing proposals"])
async def list_listing_proposals(
    session: SessionDep, ctx: CreditDep, _: Reader, cursor: Cursor = None, limit: Limit = None,
    status: Literal["open", "accepted", "dismissed"] | None = None,
) -> Page[ProposalRead]:
    """Subjects whose score fell below the threshold, oldest first: a person decides."""
    items, next_cursor = await proposals.list_proposals(session, status=status, cursor=cursor,
                                                        limit=limit, ctx=ctx)
    return Page(items=items, next_cursor=next_cursor)


@router.post("/v1/listing-proposals/{proposal_id}/accept", response_model=ProposalRead,
             tags=["listing proposals"], responses=DECIDED)
async def accept_listing_proposal(proposal_id: str, data: ProposalAccept, session: SessionDep,
                                  ctx: CreditDep, actor: Lister) -> ProposalRead:
    """List the subject with the sanctions chosen (default both); audited."""
    return await proposals.accept(session, proposal_id=proposal_id, data=data,
                                  actor=actor.sub, ctx=ctx, person=actor.person)


@router.post("/v1/listing-proposals/{proposal_id}/dismiss", response_model=ProposalRead,
             tags=["listing proposals"], responses=DECIDED)
async def dismiss_listing_proposal(proposal_id: str, data: ProposalDismiss,
                                   session: SessionDep, ctx: CreditDep,
                                   actor: Lister) -> ProposalRead:
    """Dismiss the proposal with a reason; nobody is listed; audited."""
    return await proposals.dismiss(session, proposal_id=proposal_id, data=data,
                                   actor=actor.sub, ctx=ctx)
