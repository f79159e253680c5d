from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from porttrust_shared.deps import CipherDep, SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from registry.deps import Cursor, IfMatch, Limit, Reader, SettingsDep, VerifierDep, Writer, problems
from registry.schemas.fields import Province
from registry.schemas.organizations import HandlerCreate, HandlerRead, HandlerSearch, HandlerUpdate
from registry.service import handlers as svc
from registry.service.versions import etag

router = APIRouter(tags=["handlers"])


@router.post("/v1/handlers", status_code=201, response_model=HandlerRead)
async def create_handler(data: HandlerCreate, session: SessionDep, actor: Writer,
                         cipher: CipherDep, idem: IdempotencyDep) -> JSONResponse:
    """Register a handler; name, ID number and phone are stored encrypted, shown masked."""

    async def produce() -> HandlerRead:
        handler = await svc.create_handler(session, data=data, actor=actor, cipher=cipher)
        return svc.to_read(handler, cipher)

    return await idem.run(produce)


@router.get("/v1/handlers")
async def list_handlers(session: SessionDep, actor: Reader, cipher: CipherDep,
                        settings: SettingsDep, limit: Limit = None, cursor: Cursor = None,
                        organization_uscc: str | None = None,
                        province: Province | None = None) -> Page[HandlerRead]:
    """Handlers in your province, masked."""
    rows, after = await svc.list_handlers(session, actor=actor, limit=limit, cursor=cursor,
                                          organization_uscc=organization_uscc,
                                          province=province, max_limit=settings.page_limit_max)
    await svc.view_handlers(session, rows, actor)
    return Page(items=[svc.to_read(h, cipher) for h in rows], next_cursor=after)


@router.post("/v1/handlers/search")
async def search_handlers(data: HandlerSearch, session: SessionDep, actor: Reader,
                          cipher: CipherDep) -> list[HandlerRead]:
    """The handler records of one person, found by ID number (sent in the body)."""
    rows = await svc.find_handlers(session, id_number=data.id_number, actor=actor,
                                   cipher=cipher)
    await svc.view_handlers(session, rows, actor)
    return [svc.to_read(h, cipher) for h in rows]


@router.get("/v1/handlers/{handler_id}", responses=problems(404))
async def get_handler(handler_id: str, session: SessionDep, actor: Reader,
                      cipher: CipherDep, response: Response) -> HandlerRead:
    """One handler, masked; the ETag goes into If-Match of a PATCH."""
    handler = await svc.get_handler(session, handler_id=handler_id, actor=actor)
    await svc.view_handlers(session, [handler], actor)
    response.headers["ETag"] = etag(handler.version)
    return svc.to_read(handler, cipher)


@router.patch("/v1/handlers/{handler_id}", responses=problems(404, 409, 412, 428))
async def update_handler(handler_id: str, data: HandlerUpdate, session: SessionDep,
                         actor: Writer, cipher: CipherDep, response: Response,
                         if_match: IfMatch = None) -> HandlerRead:
    """Change phone, name or ID number; needs If-Match. A new name or ID number must be
    verified again: until then the handler's sub-ports lack handler_verified."""
    handler = await svc.update_handler(session, handler_id=handler_id, data=data,
                                       if_match=if_match, actor=actor, cipher=cipher)
    response.headers["ETag"] = etag(handler.version)
    return svc.to_read(handler, cipher)


@router.post("/v1/handlers/{handler_id}/verify")
async def verify_handler(handler_id: str, session: SessionDep, actor: Writer,
                         cipher: CipherDep, verifier: VerifierDep) -> HandlerRead:
    """Check the handler's identity; the outcome, time and verifier are stored."""
    handler = await svc.verify_handler(session, handler_id=handler_id, actor=actor,
                                       cipher=cipher, verifier=verifier)
    return svc.to_read(handler, cipher)
