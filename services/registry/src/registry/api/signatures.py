from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from porttrust_shared.deps import SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from registry.deps import Cursor, Limit, Reader, SettingsDep, Writer
from registry.schemas.consent import SignatureCreate, SignatureRead
from registry.schemas.messaging import ApproveIn, RejectIn
from registry.service import signatures as svc

router = APIRouter(tags=["signatures"])
Status = Literal["pending", "approved", "rejected"]
NO_ORG: dict[int | str, dict[str, Any]] = {404: {"description": "No such organization"}}
DECIDE: dict[int | str, dict[str, Any]] = {
    403: {"description": "Who registered it cannot decide (four_eyes)"},
    404: {"description": "No such signature"}, 409: {"description": "Decided already"}}


@router.post("/v1/organizations/{uscc}/signatures", status_code=201,
             response_model=SignatureRead,
             responses={**NO_ORG, 409: {"description": "Registered already"},
                        422: {"description": "signature_syntax, evidence_required"}})
async def register_signature(uscc: str, data: SignatureCreate, session: SessionDep,
                             actor: Writer, idem: IdempotencyDep) -> JSONResponse:
    """Register a 【signature】 for a user unit (签名报备); it starts pending."""

    async def produce() -> SignatureRead:
        return svc.to_read(await svc.register_signature(session, uscc=uscc, data=data,
                                                        actor=actor))

    return await idem.run(produce)


@router.get("/v1/organizations/{uscc}/signatures", responses=NO_ORG)
async def list_signatures(uscc: str, session: SessionDep, actor: Reader,
                          settings: SettingsDep, status: Status | None = None,
                          limit: Limit = None, cursor: Cursor = None) -> Page[SignatureRead]:
    """A unit's signatures, optionally by status."""
    rows, after = await svc.list_signatures(session, uscc=uscc, actor=actor, status=status,
                                            limit=limit, cursor=cursor,
                                            max_limit=settings.page_limit_max)
    return Page(items=[svc.to_read(r) for r in rows], next_cursor=after)


@router.post("/v1/signatures/{signature_id}/approve", responses=DECIDE)
async def approve_signature(signature_id: str, session: SessionDep, actor: Writer,
                            data: ApproveIn | None = None) -> SignatureRead:
    """Approve a pending signature; who registered it cannot."""
    row = await svc.decide_signature(session, signature_id=signature_id, approve=True,
                                     reason=(data or ApproveIn()).reason, actor=actor)
    return svc.to_read(row)


@router.post("/v1/signatures/{signature_id}/reject", responses=DECIDE)
async def reject_signature(signature_id: str, data: RejectIn, session: SessionDep,
                           actor: Writer) -> SignatureRead:
    """Reject a pending signature, with a reason; who registered it cannot."""
    row = await svc.decide_signature(session, signature_id=signature_id, approve=False,
                                     reason=data.reason, actor=actor)
    return svc.to_read(row)
