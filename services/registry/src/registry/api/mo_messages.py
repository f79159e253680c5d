from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from porttrust_shared.deps import CipherDep, SessionDep, require_roles
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pii import mask_phone
from porttrust_shared.tokens import Principal
from registry.schemas_messaging import MoMessageIn, MoMessageRead
from registry.service.opt_outs import record_mo_message

router = APIRouter(tags=["opt-outs"])
Gateway = Annotated[Principal, Depends(require_roles("gateway", "service"))]


@router.post("/v1/mo-messages", status_code=201, response_model=MoMessageRead)
async def record_reply(data: MoMessageIn, session: SessionDep, actor: Gateway,
                       cipher: CipherDep, idem: IdempotencyDep) -> JSONResponse:
    """A recipient's reply; an opt-out keyword stops that sub-port messaging the phone."""

    async def produce() -> MoMessageRead:
        mo, keyword = await record_mo_message(session, data=data, actor=actor, cipher=cipher)
        return MoMessageRead(id=mo.id, sub_port=mo.sub_port_number,
                             sender=mask_phone(data.sender), opt_out=keyword is not None,
                             keyword=keyword, received_at=mo.received_at)

    return await idem.run(produce)
