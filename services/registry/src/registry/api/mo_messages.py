from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from porttrust_shared.deps import CipherDep, SessionDep, require_roles
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from porttrust_shared.pii import mask_phone
from porttrust_shared.tokens import Principal
from registry.deps import Cursor, Limit, SettingsDep, Writer
from registry.schemas.consent import MoDecisionIn, MoMessageItem, OptOutItem, OptOutSearch
from registry.schemas.messaging import MoMessageIn, MoMessageRead
from registry.service import mo_review
from registry.service.opt_outs import record_mo_message

router = APIRouter(tags=["opt-outs"])
Gateway = Annotated[Principal, Depends(require_roles("gateway", "service"))]
Overseer = Annotated[Principal, Depends(require_roles("hq_admin", "province_operator",
                                                      "auditor"))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such reply (or another province's)"}}


@router.post("/v1/mo-messages", status_code=201, response_model=MoMessageRead,
             responses={404: {"description": "No such sub-port"}})
async def record_reply(data: MoMessageIn, session: SessionDep, actor: Gateway,
                       cipher: CipherDep, idem: IdempotencyDep) -> JSONResponse:
    """A recipient's reply; an opt-out stops that sub-port messaging the phone."""

    async def produce() -> MoMessageRead:
        mo, decision = await record_mo_message(session, data=data, actor=actor, cipher=cipher)
        return MoMessageRead(id=mo.id, sub_port=mo.sub_port_number,
                             sender=mask_phone(data.sender), opt_out=mo.opt_out,
                             keyword=decision.rule if mo.opt_out else None,
                             undecided=mo.undecided, received_at=mo.received_at)

    return await idem.run(produce)


@router.get("/v1/mo-messages")
async def list_replies(session: SessionDep, actor: Overseer, cipher: CipherDep,
                       settings: SettingsDep, undecided: bool | None = None,
                       sub_port: str | None = None, limit: Limit = None,
                       cursor: Cursor = None) -> Page[MoMessageItem]:
    """Replies in your province; `undecided=true`: those waiting for a person."""
    items, after = await mo_review.list_mo_messages(
        session, actor=actor, cipher=cipher, undecided=undecided, sub_port=sub_port,
        limit=limit, cursor=cursor, max_limit=settings.page_limit_max)
    return Page(items=items, next_cursor=after)


@router.post("/v1/mo-messages/{mo_id}/decide",
             responses={**NOT_FOUND, 409: {"description": "Decided already"}})
async def decide_reply(mo_id: str, data: MoDecisionIn, session: SessionDep, actor: Writer,
                       cipher: CipherDep) -> MoMessageItem:
    """Decide an unclear reply; `opt_out: true` makes the opt-out at once."""
    mo = await mo_review.decide_mo_message(session, mo_id=mo_id, data=data, actor=actor,
                                           cipher=cipher)
    return mo_review.to_item(mo, cipher)


@router.post("/v1/opt-outs/search")
async def search_opt_outs(data: OptOutSearch, session: SessionDep, actor: Overseer,
                          cipher: CipherDep) -> list[OptOutItem]:
    """A phone's opt-outs (the phone in the body, never in a URL); answered masked."""
    return await mo_review.search_opt_outs(session, phone=data.phone, actor=actor,
                                           cipher=cipher)
