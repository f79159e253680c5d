from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import TypeAdapter

from porttrust_shared.bodies import body_doc, json_body
from porttrust_shared.deps import require_roles
from porttrust_shared.tokens import Principal
from registry.schemas.messaging import (
    SendCheckBatchIn,
    SendCheckBatchRead,
    SendCheckIn,
    SendCheckRead,
)
from registry.service.send_check import Caches, check_sends
from registry.service.send_log_writer import writer_for

router = APIRouter(tags=["send checks"])
Checker = Annotated[Principal, Depends(require_roles(
    "gateway", "service", "hq_admin", "province_operator"))]
_ONE, _BATCH = TypeAdapter(SendCheckIn), TypeAdapter(SendCheckBatchIn)
_ONE_OUT, _BATCH_OUT = TypeAdapter(SendCheckRead), TypeAdapter(SendCheckBatchRead)
# No answer without its log row: when the log cannot be committed the check is not answered.
_UNLOGGED: dict[int | str, dict[str, Any]] = {
    503: {"description": "The send log (or the database) cannot be written now"}}


async def _check(request: Request, checks: list[SendCheckIn],
                 actor: Principal) -> list[SendCheckRead]:
    state = request.app.state
    return await check_sends(state.sessions, checks=checks, actor=actor, cipher=state.cipher,
                             caches=Caches.of(state.changes, state.sessions),
                             log=writer_for(state))


# The token is checked before the body is read; pydantic reads the body from its bytes and
# renders the answer (porttrust_shared.bodies): the batch is the gateways' hot path.
@router.post("/v1/send-checks", response_model=SendCheckRead, openapi_extra=body_doc(_ONE),
             responses=_UNLOGGED)
async def check_send(request: Request, actor: Checker) -> Response:
    """May this sub-port send this text to this phone? Reason codes say why not."""
    result = await _check(request, [await json_body(request, _ONE)], actor)
    return Response(_ONE_OUT.dump_json(result[0]), media_type="application/json")


@router.post("/v1/send-checks/batch", response_model=SendCheckBatchRead,
             openapi_extra=body_doc(_BATCH), responses=_UNLOGGED)
async def check_send_batch(request: Request, actor: Checker) -> Response:
    """Up to 1,000 checks in one call; results in the order asked."""
    data = await json_body(request, _BATCH)
    results = await _check(request, data.checks, actor)
    return Response(_BATCH_OUT.dump_json(SendCheckBatchRead(results=results)),
                    media_type="application/json")
