"""Import and export routes, and receiving an import file: into a size-capped temporary
file, a few at a time per client.

The upload is written to a SpooledTemporaryFile as it arrives (in memory up to
SPOOL_IN_MEMORY, on disk beyond), never gathered into one bytes object while it streams,
and refused (413) the moment it passes REGISTRY_IMPORT_MAX_BYTES. It is read only after the
caller's token and role were checked. Each client runs at most
REGISTRY_IMPORT_MAX_CONCURRENT imports at once (a job counts until it ends); one more is a
429 with Retry-After. The count is per process.
"""

import asyncio
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from porttrust_shared.deps import CipherDep, SessionDep
from porttrust_shared.errors import PayloadTooLarge
from registry.deps import (
    CreditDep,
    Cursor,
    Limit,
    Reader,
    RegistryState,
    RegistryStateDep,
    SettingsDep,
    Writer,
)
from registry.errors import TooManyImports, UnsupportedMediaType
from registry.schemas.fields import Province
from registry.schemas.imports import ImportJobRead, ImportResult
from registry.service.imports import runner as svc
from registry.service.imports.export import export_csv
from registry.service.imports.parsing import parse_file
from registry.settings import ImportSettings

router = APIRouter(tags=["sub-ports"])
Format = Literal["csv", "ndjson"]
SPOOL_IN_MEMORY = 1024 * 1024
MEDIA = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}


async def spool_upload(request: Request, *, max_bytes: int) -> IO[bytes]:
    """The request body in a temporary file, positioned at its start (413 over max_bytes)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge("The file is larger than this import accepts.")
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


class Slot:
    """One client's import in progress; `keep()` hands its release to a job that outlives
    the request."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release, self.kept = release, False

    def keep(self) -> Callable[[], None]:
        self.kept = True
        return self._release


class ImportSlots:
    def __init__(self, *, per_client: int, retry_after: int) -> None:
        self.per_client, self.retry_after = per_client, retry_after
        self._held: Counter[str] = Counter()

    @asynccontextmanager
    async def hold(self, client: str) -> AsyncIterator[Slot]:
        """A slot for `client` while the block runs (and after, if kept); 429 when none."""
        if self._held[client] >= self.per_client:
            raise TooManyImports(retry_after=self.retry_after)
        self._held[client] += 1
        slot = Slot(lambda: self._give_back(client))
        try:
            yield slot
        finally:
            if not slot.kept:
                self._give_back(client)

    def _give_back(self, client: str) -> None:
        self._held[client] -= 1
        if self._held[client] <= 0:
            del self._held[client]

    def held(self, client: str) -> int:
        return self._held[client]


def _format(content_type: str | None, wanted: Format | None) -> str:
    if wanted:
        return wanted
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in MEDIA:
        raise UnsupportedMediaType("Send text/csv or application/x-ndjson, or ?format=.")
    return MEDIA[media]


def _slots(state: RegistryState, config: ImportSettings) -> ImportSlots:
    found = state.import_slots
    if found is None or found.per_client != config.max_concurrent:
        found = state.import_slots = ImportSlots(
            per_client=config.max_concurrent, retry_after=config.retry_after_seconds)
    return found


def _start(state: RegistryState, work: Coroutine[Any, Any, None], job_id: str,
           done: Callable[[], None]) -> None:
    """Run the job in this process; the state's import_tasks keeps it referenced until done."""
    tasks = state.import_tasks
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
                           credit: CreditDep, cipher: CipherDep, settings: SettingsDep,
                           state: RegistryStateDep,
                           content_type: Annotated[str | None, Header()] = None,
                           format: Annotated[Format | None, Query()] = None) -> Response:
    """Import sub-ports from CSV (UTF-8 or GBK) or NDJSON; large files run as a job (202)."""
    config, kind = settings.imports, _format(content_type, format)
    async with _slots(state, config).hold(actor.sub) as slot:
        with await spool_upload(request, max_bytes=config.max_bytes) as upload:
            parsed = parse_file(upload.read(), kind)
        tools = svc.Tools(actor=actor, credit=credit, cipher=cipher,
                          chunk_size=config.chunk_size)
        if len(parsed.rows) <= config.job_threshold:
            result = await svc.import_inline(session, parsed=parsed, tools=tools)
            return JSONResponse(result.model_dump(mode="json"))
        sessions = state.sessions
        job = await svc.create_job(sessions, parsed=parsed, actor=actor)
        _start(state, svc.run_job(sessions, job_id=job.id, rows=parsed.rows, tools=tools),
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
