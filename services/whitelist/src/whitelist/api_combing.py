from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from porttrust_shared.deps import ReadSessionDep, SessionDep, require_roles
from porttrust_shared.pagination import Page
from porttrust_shared.tokens import Principal
from whitelist.schemas import CombingCustomerRead, CombingDecideIn, CombingUploadRead
from whitelist.service import combing

router = APIRouter(tags=["progress"])
Comber = Annotated[Principal, Depends(
    require_roles("whitelist_admin", "hq_admin", "province_operator"))]
Reader = Annotated[Principal, Depends(
    require_roles("whitelist_admin", "hq_admin", "province_operator", "auditor"))]
ProvinceQ = Annotated[str | None, Query(pattern=r"^[0-9]{2}$")]
NDJSON = ("application/x-ndjson", "application/ndjson")
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Not yours, or unknown"}}


@router.post("/v1/combing/customers", responses={
    **NOT_FOUND, 422: {"description": "No uscc column; HQ without province"}})
async def upload_combing_customers(request: Request, session: SessionDep, actor: Comber,
                                   province: ProvinceQ = None) -> CombingUploadRead:
    """Upload customers to comb: CSV with a `uscc` column, or NDJSON `{"uscc": …}` lines."""
    ndjson = request.headers.get("content-type", "").split(";")[0].strip() in NDJSON
    return await combing.upload_customers(session, body=await request.body(), ndjson=ndjson,
                                          province=province, actor=actor)


@router.get("/v1/combing/customers")
async def list_combing_customers(session: ReadSessionDep, actor: Reader,
                                 province: ProvinceQ = None, combed: bool | None = None,
                                 cursor: Annotated[str | None, Query(max_length=512)] = None,
                                 limit: Annotated[int | None, Query(ge=1)] = None,
                                 ) -> Page[CombingCustomerRead]:
    """Customers to comb in your province (HQ: all, or `province`); `combed` filters."""
    rows, after = await combing.list_customers(session, actor=actor, province=province,
                                               combed=combed, cursor=cursor, limit=limit)
    return Page(items=[CombingCustomerRead.model_validate(r) for r in rows],
                next_cursor=after)


@router.post("/v1/combing/customers/{uscc}/decide", responses=NOT_FOUND)
async def decide_combing_customer(uscc: str, data: CombingDecideIn, session: SessionDep,
                                  actor: Comber) -> CombingCustomerRead:
    """Mark a customer combed: `applied` (an application names it) or `not_needed`."""
    row = await combing.decide_customer(session, uscc=uscc, data=data, actor=actor)
    return CombingCustomerRead.model_validate(row)
