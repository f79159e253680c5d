from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from porttrust_shared.deps import SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from registry.deps import Cursor, IfMatch, Limit, Reader, SettingsDep, Writer
from registry.schemas.fields import Province
from registry.schemas.organizations import OrganizationCreate, OrganizationRead, OrganizationUpdate
from registry.service import organizations as svc
from registry.service.versions import etag

router = APIRouter(tags=["organizations"])


@router.post("/v1/organizations", status_code=201, response_model=OrganizationRead)
async def create_organization(data: OrganizationCreate, session: SessionDep, actor: Writer,
                              idem: IdempotencyDep) -> JSONResponse:
    """Register a holder or user unit; a USCC failing its check character is flagged."""

    async def produce() -> OrganizationRead:
        org = await svc.create_organization(session, data=data, actor=actor)
        return OrganizationRead.model_validate(org)

    return await idem.run(produce)


@router.get("/v1/organizations")
async def list_organizations(session: SessionDep, actor: Reader, settings: SettingsDep,
                             limit: Limit = None, cursor: Cursor = None,
                             province: Province | None = None) -> Page[OrganizationRead]:
    """Organizations in your province (all for HQ), by USCC."""
    rows, after = await svc.list_organizations(session, actor=actor, limit=limit, cursor=cursor,
                                               province=province,
                                               max_limit=settings.page_limit_max)
    return Page(items=[OrganizationRead.model_validate(o) for o in rows], next_cursor=after)


@router.get("/v1/organizations/{uscc}")
async def get_organization(uscc: str, session: SessionDep, actor: Reader,
                           response: Response) -> OrganizationRead:
    """One organization; the ETag goes into If-Match of a PATCH."""
    org = await svc.get_organization(session, uscc=uscc, actor=actor)
    response.headers["ETag"] = etag(org.version)
    return OrganizationRead.model_validate(org)


@router.patch("/v1/organizations/{uscc}")
async def update_organization(uscc: str, data: OrganizationUpdate, session: SessionDep,
                              actor: Writer, response: Response,
                              if_match: IfMatch = None) -> OrganizationRead:
    """Change name, province, roles or contact; needs If-Match."""
    org = await svc.update_organization(session, uscc=uscc, data=data, if_match=if_match,
                                        actor=actor)
    response.headers["ETag"] = etag(org.version)
    return OrganizationRead.model_validate(org)
