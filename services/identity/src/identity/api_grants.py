"""Grants of privileged roles awaiting a second hq_admin (four eyes means two people)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from identity import grants
from identity.schemas import GrantRead
from porttrust_shared.deps import ReadSessionDep, SessionDep, require_roles
from porttrust_shared.pagination import Page
from porttrust_shared.tokens import Principal

router = APIRouter(tags=["grants"])
HqAdmin = Annotated[Principal, Depends(require_roles("hq_admin"))]
DECISION: dict[int | str, dict[str, Any]] = {
    403: {"description": "the deciding person asked for the grant (or created its asker)"},
    404: {"description": "no such grant"},
    409: {"description": "the grant was decided already"},
}


@router.get("/v1/grants", response_model=Page[GrantRead])
async def list_grants(session: ReadSessionDep, actor: HqAdmin,
                      status: Literal["pending", "approved", "rejected"] | None = None,
                      cursor: str | None = None,
                      limit: Annotated[int | None, Query(ge=1)] = None) -> Page[GrantRead]:
    """Grants, oldest first; `status=pending` for those waiting for a second person."""
    rows, next_cursor = await grants.list_grants(session, status=status, cursor=cursor,
                                                 limit=limit)
    return Page(items=[GrantRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/v1/grants/{grant_id}/approve", response_model=GrantRead, responses=DECISION)
async def approve_grant(grant_id: str, session: SessionDep, actor: HqAdmin) -> GrantRead:
    """Approve: the client or user becomes active with its roles (another person only)."""
    row = await grants.decide_grant(session, grant_id=grant_id, approve=True, actor=actor)
    return GrantRead.model_validate(row)


@router.post("/v1/grants/{grant_id}/reject", response_model=GrantRead, responses=DECISION)
async def reject_grant(grant_id: str, session: SessionDep, actor: HqAdmin) -> GrantRead:
    """Reject: the client or user stays disabled."""
    row = await grants.decide_grant(session, grant_id=grant_id, approve=False, actor=actor)
    return GrantRead.model_validate(row)
