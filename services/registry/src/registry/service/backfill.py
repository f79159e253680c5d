"""Back-fill (notice 二(一), R2): find incomplete sub-ports, work them in priority order, and
suspend the live ones at the deadline unless whitelisted.

Priority score, 0–10000 (higher first), within one province:
  5000 × volume / the largest volume among its incomplete sub-ports
+ 3000 × value contribution / the largest value contribution among them
+ 2000 × customer importance / 10
A missing figure counts as 0; ties go by number. The maxima move as records are completed, so
a cursor is a position in the order, not a snapshot.
"""

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import BadRequest, Conflict, NotFound
from porttrust_shared.pagination import clamp_limit, cursor_values, page_of
from porttrust_shared.tokens import Principal
from registry.clients import WhitelistChecker
from registry.models import Handler, SubPort
from registry.schemas.enforcement import (
    BackfillReport,
    EnforcementIn,
    EnforcementRead,
    ProvinceBackfill,
    QueueItem,
)
from registry.service.completeness import incomplete
from registry.service.deadline import sweep
from registry.service.scope import ensure_own_province, visible
from registry.service.sub_ports import missing_fields
from registry.service.surroundings import Around, around

WEIGHTS = {"monthly_volume": 5000, "value_contribution": 3000}
IMPORTANCE_WEIGHT, IMPORTANCE_MAX = 2000, 10


Row = tuple[SubPort, Handler | None, Around]


async def _incomplete_rows(session: AsyncSession, *, province: str | None,
                           statuses: tuple[str, ...]) -> list[Row]:
    query = (select(SubPort, Handler).outerjoin(Handler, Handler.id == SubPort.handler_id)
             .where(SubPort.status.in_(statuses), incomplete()).order_by(SubPort.number))
    if province is not None:
        query = query.where(SubPort.province == province)
    rows = (await session.execute(query)).all()
    facts = await around(session, [sub for sub, _ in rows])
    return [(sub, handler, facts[sub.number]) for sub, handler in rows]


LIVE = ("registered", "active", "suspended")


async def backfill_report(session: AsyncSession, *, actor: Principal) -> BackfillReport:
    """Per province: done vs outstanding, and how often each item is missing."""
    scope = actor.province_scope
    totals_query = (select(SubPort.province, func.count()).where(SubPort.status.in_(LIVE))
                    .group_by(SubPort.province))
    if scope is not None:
        totals_query = totals_query.where(SubPort.province == scope)
    totals = {p: n for p, n in (await session.execute(totals_query)).all()}
    rows = await _incomplete_rows(session, province=scope, statuses=LIVE)
    return BackfillReport(provinces=[_province_line(p, totals[p], rows)
                                     for p in sorted(totals)])


def _province_line(province: str, total: int, rows: list[Row]) -> ProvinceBackfill:
    mine = [row for row in rows if row[0].province == province]
    missing: Counter[str] = Counter()
    for sub, handler, facts in mine:
        missing.update(missing_fields(sub, handler, facts))
    return ProvinceBackfill(
        province=province, total=total, complete=total - len(mine), incomplete=len(mine),
        incomplete_active=sum(sub.status == "active" for sub, _, _ in mine),
        incomplete_whitelisted=sum(sub.whitelisted for sub, _, _ in mine),
        missing=dict(sorted(missing.items())))


def _scores(subs: list[SubPort]) -> dict[str, int]:
    peaks = {f: max((getattr(s, f) or 0 for s in subs), default=0) for f in WEIGHTS}

    def score(sub: SubPort) -> int:
        total = sum(weight * (getattr(sub, f) or 0) / peaks[f]
                    for f, weight in WEIGHTS.items() if peaks[f])
        total += IMPORTANCE_WEIGHT * (sub.customer_importance or 0) / IMPORTANCE_MAX
        return round(total)

    return {sub.number: score(sub) for sub in subs}


def _queue_province(actor: Principal, province: str | None) -> str:
    wanted = province or actor.province_scope
    if wanted is None:
        raise BadRequest("Name the province whose queue you want.")
    if not visible(actor, wanted):
        raise NotFound("No back-fill queue for that province in your scope.")
    return wanted


async def backfill_queue(
    session: AsyncSession, *, actor: Principal, province: str | None, limit: int | None,
    cursor: str | None, max_limit: int = 500,
) -> tuple[list[QueueItem], str | None]:
    """Incomplete sub-ports of one province, highest priority first."""
    size = clamp_limit(limit, max_limit)
    rows = await _incomplete_rows(session, province=_queue_province(actor, province),
                                  statuses=LIVE)
    scores = _scores([sub for sub, _, _ in rows])
    items = sorted((_item(row, scores[row[0].number]) for row in rows),
                   key=lambda i: (-i.score, i.number))
    after = cursor_values(cursor, int, str)
    if after:
        items = [i for i in items if (-i.score, i.number) > (-after[0], after[1])]
    return page_of(items[:size + 1], size, lambda i: [i.score, i.number])


def _item(row: Row, score: int) -> QueueItem:
    sub, handler, facts = row
    return QueueItem(number=sub.number, province=sub.province, status=sub.status,
                     missing=missing_fields(sub, handler, facts), score=score,
                     monthly_volume=sub.monthly_volume,
                     value_contribution=sub.value_contribution,
                     customer_importance=sub.customer_importance, whitelisted=sub.whitelisted)


async def enforce_deadline(session: AsyncSession, *, data: EnforcementIn, actor: Principal,
                           whitelist: WhitelistChecker) -> EnforcementRead:
    """The deadline sweep on demand (a dry run, or a manual run after the deadline): the
    same code the background sweep runs (registry.service.deadline)."""
    ensure_own_province(actor, data.province)
    if utcnow() < data.deadline and not data.dry_run:
        raise Conflict("The deadline has not passed; only a dry run is allowed before it.",
                       code="before_deadline")
    result = await sweep(session, province=data.province, deadline=data.deadline,
                         actor=actor.sub, whitelist=whitelist, dry_run=data.dry_run)
    return EnforcementRead(
        province=data.province, deadline=data.deadline, dry_run=data.dry_run,
        checked=result.checked, suspended_count=len(result.suspended),
        suspended=result.suspended, exempted_count=len(result.exempted),
        exempted=result.exempted)
