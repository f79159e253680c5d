from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from porttrust_shared.deps import SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from registry.deps import Cursor, Limit, Reader, SettingsDep, Writer, problems
from registry.schemas.records import AgreementIn, AgreementRead
from registry.service import agreements as svc

router = APIRouter(tags=["agreements"])


@router.post("/v1/organizations/{uscc}/agreements", status_code=201,
             response_model=AgreementRead, responses=problems(403, 404, 409, 422))
async def record_agreement(uscc: str, data: AgreementIn, session: SessionDep, actor: Writer,
                           idem: IdempotencyDep) -> JSONResponse:
    """Record a signed agreement: a holder's supplementary one, or a unit's service one."""

    async def produce() -> AgreementRead:
        agreement = await svc.record_agreement(session, uscc=uscc, data=data, actor=actor)
        return AgreementRead.model_validate(agreement)

    return await idem.run(produce)


@router.get("/v1/organizations/{uscc}/agreements", responses=problems(403, 404))
async def list_agreements(uscc: str, session: SessionDep, actor: Reader, settings: SettingsDep,
                          limit: Limit = None, cursor: Cursor = None,
                          kind: Literal["holder_supplementary", "service"] | None = None,
                          ) -> Page[AgreementRead]:
    """The organization's agreements, as signer or as counterparty, oldest first."""
    rows, after = await svc.list_agreements(session, uscc=uscc, actor=actor, kind=kind,
                                            limit=limit, cursor=cursor,
                                            max_limit=settings.page_limit_max)
    return Page(items=[AgreementRead.model_validate(a) for a in rows], next_cursor=after)
