from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import TypeAdapter

from porttrust_shared.bodies import body_doc, json_bytes, validated
from porttrust_shared.deps import CipherDep, Reads, ReadsDep, require_roles
from porttrust_shared.pii import PiiCipher
from porttrust_shared.state import state_dep
from porttrust_shared.tokens import Principal
from registry.deps import RegistryState
from registry.schemas.messaging import (
    Check,
    SendCheckBatchIn,
    SendCheckBatchRead,
    SendCheckIn,
    SendCheckRead,
    plain_checks,
)
from registry.service.send_check import Caches, check_sends
from registry.service.send_check.render import batch_text
from registry.service.send_log_writer import SendLogWriter, writer_for

router = APIRouter(tags=["send checks"])
Checker = Annotated[Principal, Depends(require_roles(
    "gateway", "service", "hq_admin", "province_operator"))]
_ONE, _BATCH = TypeAdapter(SendCheckIn), TypeAdapter(SendCheckBatchIn)
# No answer without its log row: when the log cannot be committed the check is not answered.
_UNLOGGED: dict[int | str, dict[str, Any]] = {
    503: {"description": "The send log (or the database) cannot be written now"}}


async def _checks(request: Request, *, batch: bool) -> Sequence[SendCheckIn | Check]:
    """The body's checks: read by the standard library when it plainly keeps the schema's
    rules (a gateway's body always does), else by pydantic, with its 422 for what does not."""
    raw = await json_bytes(request)
    plain = plain_checks(raw, batch=batch)
    if plain is not None:
        return plain
    return validated(raw, _BATCH).checks if batch else [validated(raw, _ONE)]


# The send log's writer (service.send_log_writer): a deployment's own, else COPY or the ORM.
SendLogDep = Annotated[SendLogWriter, Depends(state_dep(RegistryState, writer_for))]


async def _check(reads: Reads, checks: Sequence[SendCheckIn | Check], actor: Principal,
                 cipher: PiiCipher, log: SendLogWriter) -> list[str]:
    return await check_sends(reads.sessions, checks=checks, actor=actor, cipher=cipher,
                             caches=Caches.of(reads.changes, reads.sessions), log=log)


def _json(text: str) -> Response:
    """Answers come written (service/send_check/render.py): test_send_check_fast_path holds
    them to the bytes pydantic writes for `SendCheckRead` and `SendCheckBatchRead`."""
    return Response(text.encode(), media_type="application/json")


# The token is checked before the body is read, and the body is read and the answer written
# without a model per check: the batch is the gateways' hot path.
@router.post("/v1/send-checks", response_model=SendCheckRead, openapi_extra=body_doc(_ONE),
             responses=_UNLOGGED)
async def check_send(request: Request, actor: Checker, reads: ReadsDep, cipher: CipherDep,
                     log: SendLogDep) -> Response:
    """May this sub-port send this text to this phone? Reason codes say why not."""
    checks = await _checks(request, batch=False)
    return _json((await _check(reads, checks, actor, cipher, log))[0])


@router.post("/v1/send-checks/batch", response_model=SendCheckBatchRead,
             openapi_extra=body_doc(_BATCH), responses=_UNLOGGED)
async def check_send_batch(request: Request, actor: Checker, reads: ReadsDep,
                           cipher: CipherDep, log: SendLogDep) -> Response:
    """Up to 1,000 checks in one call; results in the order asked."""
    texts = await _check(reads, await _checks(request, batch=True), actor, cipher, log)
    return _json(batch_text(texts))
