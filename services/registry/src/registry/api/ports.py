from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from porttrust_shared.deps import SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from registry.deps import CreditDep, Cursor, IfMatch, Limit, Reader, SettingsDep, Writer, problems
from registry.schemas.fields import Province
from registry.schemas.ports import PortCreate, PortRead, PortUpdate
from registry.service import ports as svc
from registry.service.versions import etag

router = APIRouter(tags=["ports"])


@router.post("/v1/ports", status_code=201, response_model=PortRead)
async def register_port(data: PortCreate, session: SessionDep, actor: Writer,
                        credit: CreditDep, idem: IdempotencyDep) -> JSONResponse:
    """Register a port for its holder; a blacklisted holder is refused (409)."""

    async def produce() -> PortRead:
        return svc.to_read(await svc.register_port(session, data=data, actor=actor,
                                                   credit=credit))

    return await idem.run(produce)


@router.get("/v1/ports")
async def list_ports(session: SessionDep, actor: Reader, settings: SettingsDep,
                     limit: Limit = None, cursor: Cursor = None,
                     province: Province | None = None,
                     holder_uscc: str | None = None) -> Page[PortRead]:
    """Ports in your province, by number."""
    rows, after = await svc.list_ports(session, actor=actor, limit=limit, cursor=cursor,
                                       province=province, holder_uscc=holder_uscc,
                                       max_limit=settings.page_limit_max)
    return Page(items=[svc.to_read(p) for p in rows], next_cursor=after)


@router.get("/v1/ports/{number}", responses=problems(404))
async def get_port(number: str, session: SessionDep, actor: Reader,
                   response: Response) -> PortRead:
    """One port; the ETag goes into If-Match of a PATCH."""
    port = await svc.get_port(session, number=number, actor=actor)
    response.headers["ETag"] = etag(port.version)
    return svc.to_read(port)


@router.patch("/v1/ports/{number}", responses=problems(404, 409, 412, 428))
async def update_port(number: str, data: PortUpdate, session: SessionDep, actor: Writer,
                      response: Response, if_match: IfMatch = None) -> PortRead:
    """Change scope or resource certificate; needs If-Match. Every version is kept."""
    port = await svc.update_port(session, number=number, data=data, if_match=if_match,
                                 actor=actor)
    response.headers["ETag"] = etag(port.version)
    return svc.to_read(port)
