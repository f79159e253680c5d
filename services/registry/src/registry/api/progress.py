import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from porttrust_shared.deps import SessionDep
from porttrust_shared.fields import IsoDate
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page
from registry.deps import (
    Cursor,
    HqAdmin,
    Limit,
    ReportReader,
    SettingsDep,
    WhitelistOrNone,
    problems,
)
from registry.models import ProgressSnapshot
from registry.schemas.fields import Province
from registry.schemas.reports import ProgressPoint, TakenSnapshots
from registry.service import progress as svc

router = APIRouter(tags=["reports"])


def _point(row: ProgressSnapshot) -> ProgressPoint:
    live, complete = row.figures["live"], row.figures["complete"]
    return ProgressPoint(province=row.province, day=dt.date.fromisoformat(row.day),
                         taken_at=row.taken_at, combing=row.combing,
                         complete_rate=round(complete / live, 4) if live else None,
                         **{k: row.figures[k] for k in svc.FIGURES})


@router.get("/v1/reports/progress", responses=problems(400, 404))
async def report_progress(session: SessionDep, actor: ReportReader, settings: SettingsDep,
                          province: Province | None = None,
                          start: Annotated[IsoDate | None, Query(alias="from")] = None,
                          end: Annotated[IsoDate | None, Query(alias="to")] = None,
                          limit: Limit = None, cursor: Cursor = None) -> Page[ProgressPoint]:
    """The daily snapshots between `from` and `to` (default: the last 90 days), by day."""
    rows, after = await svc.progress_series(session, actor=actor, province=province,
                                            start=start, end=end, limit=limit, cursor=cursor,
                                            max_limit=settings.page_limit_max)
    return Page(items=[_point(r) for r in rows], next_cursor=after)


@router.post("/v1/reports/progress/snapshots", status_code=201,
             response_model=TakenSnapshots, responses=problems(403))
async def take_progress_snapshot(session: SessionDep, actor: HqAdmin, whitelist: WhitelistOrNone,
                                 idem: IdempotencyDep) -> JSONResponse:
    """Take today's snapshot of every province now (again: today's rows are updated)."""

    async def produce() -> TakenSnapshots:
        points = [_point(r) for r in await svc.take_today(session, whitelist=whitelist)]
        return TakenSnapshots(day=points[0].day, items=points)

    return await idem.run(produce)
