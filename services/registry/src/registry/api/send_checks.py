from typing import Annotated

from fastapi import APIRouter, Depends

from porttrust_shared.deps import CipherDep, SessionDep, require_roles
from porttrust_shared.tokens import Principal
from registry.schemas_messaging import (
    SendCheckBatchIn,
    SendCheckBatchRead,
    SendCheckIn,
    SendCheckRead,
)
from registry.service.send_check import check_sends

router = APIRouter(tags=["send checks"])
Checker = Annotated[Principal, Depends(require_roles(
    "gateway", "service", "hq_admin", "province_operator"))]


@router.post("/v1/send-checks")
async def check_send(data: SendCheckIn, session: SessionDep, actor: Checker,
                     cipher: CipherDep) -> SendCheckRead:
    """May this sub-port send this text to this phone? Reason codes say why not."""
    return (await check_sends(session, checks=[data], actor=actor, cipher=cipher))[0]


@router.post("/v1/send-checks/batch")
async def check_send_batch(data: SendCheckBatchIn, session: SessionDep, actor: Checker,
                           cipher: CipherDep) -> SendCheckBatchRead:
    """Up to 1,000 checks in one call; results in the order asked."""
    results = await check_sends(session, checks=data.checks, actor=actor, cipher=cipher)
    return SendCheckBatchRead(results=results)
