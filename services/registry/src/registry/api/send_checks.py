import operator
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import TypeAdapter

from porttrust_shared.deps import Reads, require_roles
from porttrust_shared.direct import direct
from porttrust_shared.json_bodies import body_doc, json_bytes, validated
from porttrust_shared.openapi import declare_statuses
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
    """The body's checks: read by msgspec when it plainly keeps the schema's rules (a
    gateway's body always does), else by pydantic, with its 422 for what does not."""
    raw = await json_bytes(request)
    plain = plain_checks(raw, batch=batch)
    if plain is not None:
        return plain
    return validated(raw, _BATCH).checks if batch else [validated(raw, _ONE)]


class SendCheckReads(Reads):
    """A send check's reads (sessions, the keyed caches), the cipher its phone indexes come
    from, and the send log its answers are written to (service.send_log_writer: a
    deployment's own writer, else COPY or the ORM), in one dependency: the gateways' hot
    path."""

    __slots__ = ("_made_of", "caches", "cipher", "log")

    def __init__(self, state: RegistryState) -> None:
        super().__init__(state)
        self.cipher: PiiCipher = state.cipher
        self.log: SendLogWriter = writer_for(state)
        self.caches = Caches.of(state.changes, self.sessions)
        self._made_of = _made_of(state)

    @classmethod
    def of(cls, state: RegistryState) -> "SendCheckReads":
        """The state's own, made again only when what it is made of has changed (a test's
        session factory, a deployment's writer): a request no longer makes its own."""
        held = state.send_check_reads
        if held is None or not all(map(operator.is_, held._made_of, _made_of(state))):
            held = state.send_check_reads = cls(state)
        return held


def _made_of(state: RegistryState) -> tuple[Any, ...]:
    """What a `SendCheckReads` is made of (kept, and compared by identity)."""
    return (state.sessions, state.changes, state.cipher, state.engine, state.send_log_writer,
            state.copy_log_writer)


SendCheckReadsDep = Annotated[SendCheckReads, Depends(declare_statuses(
    state_dep(RegistryState, SendCheckReads.of), 503))]


async def _check(reads: SendCheckReads, checks: Sequence[SendCheckIn | Check],
                 actor: Principal) -> list[str]:
    return await check_sends(reads.sessions, checks=checks, actor=actor, cipher=reads.cipher,
                             caches=reads.caches, log=reads.log)


def _json(text: str) -> Response:
    """Answers come written (service/send_check/render.py): test_send_check_fast_path holds
    them to the bytes pydantic writes for `SendCheckRead` and `SendCheckBatchRead`."""
    return Response(text.encode(), media_type="application/json")


# The token is checked before the body is read, and the body is read and the answer written
# without a model per check: the batch is the gateways' hot path. Both are answered without
# FastAPI's solver (porttrust_shared.direct).
@router.post("/v1/send-checks", response_model=SendCheckRead, openapi_extra=body_doc(_ONE),
             responses=_UNLOGGED)
@direct
async def check_send(request: Request, actor: Checker, reads: SendCheckReadsDep) -> Response:
    """May this sub-port send this text to this phone? Reason codes say why not."""
    return _json((await _check(reads, await _checks(request, batch=False), actor))[0])


@router.post("/v1/send-checks/batch", response_model=SendCheckBatchRead,
             openapi_extra=body_doc(_BATCH), responses=_UNLOGGED)
@direct
async def check_send_batch(request: Request, actor: Checker,
                           reads: SendCheckReadsDep) -> Response:
    """Up to 1,000 checks in one call; results in the order asked."""
    texts = await _check(reads, await _checks(request, batch=True), actor)
    return _json(batch_text(texts))
