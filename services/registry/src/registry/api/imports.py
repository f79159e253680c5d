import asyncio
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from porttrust_shared.deps import CipherDep, SessionDep
from porttrust_shared.errors import Problem
from registry.deps import CreditDep, Cursor, Limit, Reader, SettingsDep, Writer
from registry.imports import service as svc
from registry.imports.export import export_csv
from registry.imports.parsing import parse_file
from registry.imports.settings import ImportSettings
from registry.imports.upload import ImportSlots, spool_upload
from registry.schemas.fields import Province
from registry.schemas.imports import ImportJobRead, ImportResult

router = APIRouter(tags=["sub-ports"])
Format = Literal["csv", "ndjson"]
MEDIA = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}


class UnsupportedMediaType(Problem):
    type = "https://porttrust.dev/problems/unsupported-media-type"
    title, status = "Unsupported media type", 415


def _format(content_type: str | None, wanted: Format | None) -> str:
    if wanted:
        return wanted
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in MEDIA:
        raise UnsupportedMediaType("Send text/csv or application/x-ndjson, or ?format=.")
    return MEDIA[media]


def _import_settings(request: Request) -> ImportSettings:
    found = getattr(request.app.state, "import_settings", None)
    if not isinstance(found, ImportSettings):
        found = request.app.state.import_settings = ImportSettings()
    return found


def _slots(request: Request, config: ImportSettings) -> ImportSlots:
    found = getattr(request.app.state, "import_slots", None)
    if not isinstance(found, ImportSlots) or found.per_client != config.max_concurrent:
        found = request.app.state.import_slots = ImportSlots(
            per_client=config.max_concurrent, retry_after=config.retry_after_seconds)
    return found


def _start(request: Request, work: Coroutine[Any, Any, None], job_id: str,
           done: Callable[[], None]) -> None:
    """Run the job in this process; app.state.import_tasks keeps it referenced until done."""
    tasks: dict[str, asyncio.Task[None]] | None = getattr(request.app.state, "import_tasks",
                                                          None)
    if tasks is None:
        tasks = request.app.state.import_tasks = {}
    task = asyncio.create_task(work)
    tasks[job_id] = task

    def finished(_: asyncio.Task[None]) -> None:
        tasks.pop(job_id, None)
        done()

    task.add_done_callback(finished)


BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}}}}


@router.post("/v1/sub-ports/import", response_model=ImportResult, openapi_extra=BODY,
             responses={202: {"model": ImportJobRead}, 413: {"description": "File too large"},
                        415: {"description": "Not CSV/NDJSON"},
                        429: {"description": "Too many imports of this client at once"}})
async def import_sub_ports(request: Request, session: SessionDep, actor: Writer,
                           credit: CreditDep, cipher: CipherDep,
                           content_type: Annotated[str | None, Header()] = None,
                           format: Annotated[Format | None, Query()] = None) -> Response:
    """Import sub-ports from CSV (UTF-8 or GBK) or NDJSON; large files run as a job (202)."""
    config, kind = _import_settings(request), _format(content_type, format)
    async with _slots(request, config).hold(actor.sub) as slot:
        with await spool_upload(request, max_bytes=config.max_bytes) as upload:
            parsed = parse_file(upload.read(), kind)
        tools = svc.Tools(actor=actor, credit=credit, cipher=cipher,
                          chunk_size=config.chunk_size)
        if len(parsed.rows) <= config.job_threshold:
            result = await svc.import_inline(session, parsed=parsed, tools=tools)
            return JSONResponse(result.model_dump(mode="json"))
        sessions = request.app.state.sessions
        job = await svc.create_job(sessions, parsed=parsed, actor=actor)
        _start(request, svc.run_job(sessions, job_id=job.id, rows=parsed.rows, tools=tools),
               job.id, slot.keep())
    return JSONResponse(svc.job_read(job).model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/v1/sub-ports/import/{job.id}"})


@router.get("/v1/sub-ports/import/{job_id}")
async def get_import_job(job_id: str, session: SessionDep, actor: Reader, settings: SettingsDep,
                         limit: Limit = None, cursor: Cursor = None) -> ImportJobRead:
    """An import job's status, progress, counts and a page of its row errors."""
    return await svc.get_job(session, job_id=job_id, actor=actor, limit=limit, cursor=cursor,
                             max_limit=settings.page_limit_max)


@router.get("/v1/sub-ports/export", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def export_sub_ports(session: SessionDep, actor: Reader, cipher: CipherDep,
                           province: Province | None = None,
                           status: Literal["registered", "active", "suspended",
                                           "cancelled"] | None = None) -> Response:
    """Sub-ports as the import's CSV; ID numbers, phones and names only masked."""
    text = await export_csv(session, actor=actor, cipher=cipher, province=province,
                            status=status)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="sub-ports.csv"'})
