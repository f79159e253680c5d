from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from porttrust_shared.db import utcnow
from porttrust_shared.deps import CipherDep, ReadsDep, SessionDep
from porttrust_shared.errors import problem_response
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from registry.deps import (
    CreditDep,
    Cursor,
    IfMatch,
    Limit,
    Reader,
    SettingsDep,
    StatusReader,
    Writer,
)
from registry.errors import SubPortTaken
from registry.schemas.fields import Province
from registry.schemas.ports import (
    ActivateIn,
    SubPortCreate,
    SubPortRead,
    SubPortUpdate,
    TransitionIn,
    TransitionRead,
    VersionRead,
)
from registry.service import audit_log, lifecycle, whitelist_review
from registry.service import sub_ports as svc
from registry.service.versions import etag

router = APIRouter(tags=["sub-ports"])
Status = Literal["registered", "active", "suspended", "cancelled"]


async def _keeping_refusal(request: Request,
                           call: Callable[[], Awaitable[Response]]) -> Response:
    """A mixed-use refusal is answered, not raised, so its report to credit is committed."""
    try:
        return await call()
    except SubPortTaken as refusal:
        return problem_response(refusal, request)


@router.post("/v1/sub-ports", status_code=201, response_model=SubPortRead)
async def register_sub_port(data: SubPortCreate, session: SessionDep, actor: Writer,
                            credit: CreditDep, cipher: CipherDep, idem: IdempotencyDep,
                            request: Request) -> Response:
    """Register a sub-port under the longest registered port prefix."""

    async def produce() -> SubPortRead:
        sub = await svc.register_sub_port(session, data=data, actor=actor, credit=credit,
                                          cipher=cipher)
        return (await svc.to_reads(session, [sub]))[0]

    return await _keeping_refusal(request, lambda: idem.run(produce))


@router.get("/v1/sub-ports")
async def list_sub_ports(session: SessionDep, actor: StatusReader, settings: SettingsDep,
                         limit: Limit = None, cursor: Cursor = None,
                         province: Province | None = None, status: Status | None = None,
                         user_unit_uscc: str | None = None, port_number: str | None = None,
                         handler_id: str | None = None) -> Page[SubPortRead]:
    """Sub-ports in your province, filtered, by number."""
    unit = user_unit_uscc.strip().upper() if user_unit_uscc else None
    filters = {"province": province, "status": status, "user_unit_uscc": unit,
               "port_number": port_number, "handler_id": handler_id}
    rows, after = await svc.list_sub_ports(session, actor=actor, limit=limit, cursor=cursor,
                                           filters=filters, max_limit=settings.page_limit_max)
    return Page(items=await svc.to_reads(session, rows), next_cursor=after)


@router.get("/v1/sub-ports/{number}", response_model=SubPortRead)
async def get_sub_port(number: str, actor: StatusReader, reads: ReadsDep) -> Response:
    """One sub-port with its status and what activation still needs."""
    view = await svc.read_sub_port(reads.sessions, number=number, actor=actor,
                                   cache=reads.cache("sub_ports", tables=svc.READ_ONE_TABLES))
    return Response(view.body(utcnow()), media_type="application/json",
                    headers={"ETag": etag(view.version)})


@router.patch("/v1/sub-ports/{number}", response_model=SubPortRead)
async def update_sub_port(number: str, data: SubPortUpdate, session: SessionDep,
                          actor: Writer, credit: CreditDep, cipher: CipherDep,
                          request: Request, if_match: IfMatch = None) -> Response:
    """Update the record as facts change; needs If-Match. Every version is kept."""

    async def change() -> Response:
        sub = await whitelist_review.patch_sub_port(
            session, number=number, data=data, if_match=if_match, actor=actor, credit=credit,
            cipher=cipher)
        body = (await svc.to_reads(session, [sub]))[0].model_dump(mode="json")
        return JSONResponse(body, headers={"ETag": etag(sub.version)})

    return await _keeping_refusal(request, change)


async def _step(session: SessionDep, number: str, action: str, reason: str, actor: Writer,
                credit: CreditDep, cipher: CipherDep) -> SubPortRead:
    sub = await lifecycle.change_status(session, number=number, action=action, reason=reason,
                                        actor=actor, credit=credit, cipher=cipher)
    return (await svc.to_reads(session, [sub]))[0]


@router.post("/v1/sub-ports/{number}/activate")
async def activate_sub_port(number: str, session: SessionDep, actor: Writer,
                            credit: CreditDep, cipher: CipherDep,
                            data: ActivateIn | None = None) -> SubPortRead:
    """Open a complete sub-port whose handler is verified and nobody blacklisted."""
    reason = (data or ActivateIn()).reason
    return await _step(session, number, "activate", reason, actor, credit, cipher)


@router.post("/v1/sub-ports/{number}/suspend")
async def suspend_sub_port(number: str, data: TransitionIn, session: SessionDep,
                           actor: Writer, credit: CreditDep, cipher: CipherDep) -> SubPortRead:
    """Suspend an active sub-port, with a reason."""
    return await _step(session, number, "suspend", data.reason, actor, credit, cipher)


@router.post("/v1/sub-ports/{number}/resume")
async def resume_sub_port(number: str, data: TransitionIn, session: SessionDep,
                          actor: Writer, credit: CreditDep, cipher: CipherDep) -> SubPortRead:
    """Re-open a suspended sub-port; the activation checks apply again."""
    return await _step(session, number, "resume", data.reason, actor, credit, cipher)


@router.post("/v1/sub-ports/{number}/cancel")
async def cancel_sub_port(number: str, data: TransitionIn, session: SessionDep,
                          actor: Writer, credit: CreditDep, cipher: CipherDep) -> SubPortRead:
    """Cancel a sub-port for good; its history stays traceable."""
    return await _step(session, number, "cancel", data.reason, actor, credit, cipher)


@router.get("/v1/sub-ports/{number}/transitions")
async def list_sub_port_transitions(number: str, session: SessionDep,
                                    actor: Reader) -> list[TransitionRead]:
    """Every lifecycle step: from, to, reason, actor, time."""
    rows = await lifecycle.transitions(session, number=number, actor=actor)
    return [TransitionRead.model_validate(r) for r in rows]


@router.get("/v1/sub-ports/{number}/versions")
async def list_sub_port_versions(number: str, session: SessionDep,
                                 actor: Reader) -> list[VersionRead]:
    """Every version of the record, with the fields each one changed."""
    sub = await svc.get_sub_port(session, number=number, actor=actor)
    rows = await audit_log.versions_of(session, entity=svc.ENTITY, key=sub.number)
    return [VersionRead.model_validate(r) for r in rows]
