"""Per-province combing progress (notice §7: comb each province's whitelist customers)."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import NotFound
from porttrust_shared.pii import scrub
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import PROVINCES
from whitelist.errors import CombingAlreadyDone
from whitelist.models import Application, AuditEvent, CombingDeclaration, Entry
from whitelist.schemas import ApplicationStatus, Category, ProvinceProgress
from whitelist.service.combing import combing_counts
from whitelist.service.entries import active_clause
from whitelist.service.scope import in_scope

Counts = dict[str, dict[str, int]]


async def _application_counts(session: AsyncSession, provinces: list[str]) -> Counts:
    query = (select(Application.province, Application.status, func.count())
             .where(Application.province.in_(provinces))
             .group_by(Application.province, Application.status))
    counts: Counts = {p: {s.value: 0 for s in ApplicationStatus} for p in provinces}
    for province, status, n in (await session.execute(query)).all():
        counts[province][status] = n
    return counts


async def _entry_counts(session: AsyncSession, provinces: list[str]) -> Counts:
    query = (select(Entry.province, Entry.category, func.count())
             .where(Entry.province.in_(provinces), active_clause(utcnow()))
             .group_by(Entry.province, Entry.category))
    counts: Counts = {p: {c.value: 0 for c in Category} for p in provinces}
    for province, category, n in (await session.execute(query)).all():
        counts[province][category] = n
    return counts


async def progress(session: AsyncSession, *, actor: Principal) -> list[ProvinceProgress]:
    scope = actor.province_scope
    provinces = sorted(PROVINCES) if scope is None else [scope]
    apps = await _application_counts(session, provinces)
    entries = await _entry_counts(session, provinces)
    combing = await combing_counts(session, provinces)
    done = {d.province: d for d in (await session.execute(
        select(CombingDeclaration).where(CombingDeclaration.province.in_(provinces)))).scalars()}
    return [ProvinceProgress(
        province=p, name=PROVINCES.get(p, p), applications=apps[p], entries=entries[p],
        combing_done=p in done, combing_done_at=done[p].done_at if p in done else None,
        combing_done_by=done[p].done_by if p in done else None, combing=combing[p])
        for p in provinces]


async def declare_combing_done(session: AsyncSession, *, province: str, note: str | None,
                               actor: Principal) -> ProvinceProgress:
    if province not in PROVINCES or not in_scope(province, actor):
        raise NotFound("No such province.")
    if await session.get(CombingDeclaration, province) is not None:
        raise CombingAlreadyDone("This province's combing was already declared done.")
    session.add(CombingDeclaration(province=province, done_at=utcnow(), done_by=actor.sub,
                                   note=None if note is None else scrub(note)))
    await session.flush()
    await append_audit(session, AuditEvent, actor=actor.sub, action="combing.declared_done",
                       entity="province", entity_id=province, province=province)
    [row] = [r for r in await progress(session, actor=actor) if r.province == province]
    return row
