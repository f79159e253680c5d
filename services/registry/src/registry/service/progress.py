"""Back-fill progress over time for HQ (R9): one snapshot per province per day (UTC) of the
live installed base — live, complete, pending, overdue, suspended at the deadline — with the
holders that signed and the whitelist's combing figures, and the series HQ reads back.

Taken by registry's own daily job and on demand; taking it again the same day brings that
day's row up to date, never adds a second one. Whitelist being down never fails a snapshot:
its figures are then null ("no data", not 0)."""

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import BadRequest, NotFound
from porttrust_shared.pagination import Keyset
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import PROVINCES
from registry.clients import WhitelistClient
from registry.models import Handler, ProgressSnapshot, SubPort
from registry.service.completeness import incomplete
from registry.service.deadline import REASON
from registry.service.reports import campaign_deadlines, combing_by_province, holders_by_province
from registry.service.scope import visible

MAX_DAYS = 366
FIGURES = ("live", "complete", "pending", "overdue", "suspended_deadline", "holders_signed",
           "holders_total")


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


async def _sub_port_counts(session: AsyncSession) -> dict[str, tuple[int, int, int]]:
    """Per province: live (active), live and incomplete, suspended at the deadline."""
    active = SubPort.status == "active"
    rows = await session.execute(
        select(SubPort.province, _count(active), _count(and_(active, incomplete())),
               _count(and_(SubPort.status == "suspended", SubPort.status_reason == REASON)))
        .select_from(SubPort).outerjoin(Handler, Handler.id == SubPort.handler_id)
        .group_by(SubPort.province))
    return {p: (int(a or 0), int(b or 0), int(c or 0)) for p, a, b, c in rows}


def figures_of(counts: tuple[int, int, int], holders: tuple[int, int],
               deadline: dt.datetime | None, now: dt.datetime) -> dict[str, int]:
    """Incomplete live sub-ports are pending until the province's deadline, overdue after."""
    live, lacking, suspended = counts
    late = deadline is not None and now >= deadline
    return {"live": live, "complete": live - lacking, "pending": 0 if late else lacking,
            "overdue": lacking if late else 0, "suspended_deadline": suspended,
            "holders_total": holders[0], "holders_signed": holders[1]}


async def take_snapshots(session: AsyncSession, *, deadlines: dict[str, dt.datetime],
                         combing: dict[str, dict[str, Any]] | None,
                         now: dt.datetime | None = None) -> list[ProgressSnapshot]:
    """Today's snapshot of every province (31 rows), inserted or brought up to date."""
    now = now or utcnow()
    day = now.date().isoformat()
    counts, holders = await _sub_port_counts(session), await holders_by_province(session)
    existing = {s.province: s for s in (await session.execute(
        select(ProgressSnapshot).where(ProgressSnapshot.day == day))).scalars()}
    out = []
    for province in sorted(PROVINCES):
        row = existing.get(province) or ProgressSnapshot(province=province, day=day)
        row.taken_at = now
        row.figures = figures_of(counts.get(province, (0, 0, 0)),
                                 holders.get(province, (0, 0)), deadlines.get(province), now)
        row.combing = None if combing is None else combing.get(province)
        session.add(row)
        out.append(row)
    await session.flush()
    return out


async def snapshot_taken(session: AsyncSession, *, now: dt.datetime) -> bool:
    found = await session.execute(select(ProgressSnapshot.id).where(
        ProgressSnapshot.day == now.date().isoformat()).limit(1))
    return found.first() is not None


def _range(start: dt.date | None, end: dt.date | None) -> tuple[str, str]:
    end = end or utcnow().date()
    start = start or end - dt.timedelta(days=90)
    if start > end or (end - start).days > MAX_DAYS:
        raise BadRequest(f"from must not be after to, and at most {MAX_DAYS} days apart.")
    return start.isoformat(), end.isoformat()


async def progress_series(
    session: AsyncSession, *, actor: Principal, province: str | None, start: dt.date | None,
    end: dt.date | None, limit: int | None, cursor: str | None, max_limit: int = 500,
) -> tuple[list[ProgressSnapshot], str | None]:
    """Snapshots by day then province; a province-bound caller sees only its own."""
    wanted = province or actor.province_scope
    if wanted is not None and not visible(actor, wanted):
        raise NotFound("No progress for that province in your scope.")
    first, last = _range(start, end)
    query = select(ProgressSnapshot).where(ProgressSnapshot.day >= first,
                                           ProgressSnapshot.day <= last)
    if wanted is not None:
        query = query.where(ProgressSnapshot.province == wanted)
    return await _BY_DAY.page(session, query, cursor=cursor, limit=limit, max_limit=max_limit)


_BY_DAY = Keyset(ProgressSnapshot.day, ProgressSnapshot.province)



async def take_today(session: AsyncSession, *, whitelist: WhitelistClient | None,
                     now: dt.datetime | None = None) -> list[ProgressSnapshot]:
    """Today's snapshot with the deadlines of the campaigns and whitelist's combing counts
    (null when whitelist cannot answer: it never fails the snapshot)."""
    combing = await combing_by_province(whitelist)
    return await take_snapshots(
        session, deadlines=await campaign_deadlines(session), now=now,
        combing=None if combing is None else {p: c.model_dump() for p, c in combing.items()})
