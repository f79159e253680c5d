"""registry's periodic jobs, one runner (`porttrust_shared.hooks.periodic_hooks`): each
job runs soon after start-up and then every so many seconds (0: off); a failed pass is logged
and tried again at the next tick.

- Gateway violations (REGISTRY_GATEWAY_VIOLATION_SCAN_SECONDS): each pass reports the
  previous day (CST) once it is complete; the rows it writes make a re-run harmless.
- Daily progress snapshot (R9, REGISTRY_PROGRESS_CHECK_SECONDS): taken soon after start-up
  and then once a day. Two replicas racing for the day's first rows: the unique
  (province, day) keeps one, the other pass fails and finds them taken next time.
- Back-fill deadlines: every REGISTRY_BACKFILL_SWEEP_SECONDS (default 30, so within a minute
  of a deadline) each campaign whose deadline has passed and not yet been swept is swept
  once. A sweep the whitelist could not answer for changes nothing and is tried again next
  tick; a changed deadline is swept again when it passes."""

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from fastapi import FastAPI
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared.db import session_scope, utcnow
from porttrust_shared.errors import DependencyUnavailable
from porttrust_shared.hooks import Hook, periodic_hooks
from registry.clients import WhitelistChecker, WhitelistClient
from registry.deps import RegistryState
from registry.models import BackfillCampaign
from registry.service import progress
from registry.service.deadline import SweepResult, sweep
from registry.service.gateway_violations import previous_day, rule_of, scan_day
from registry.settings import Settings

log = logging.getLogger("registry.backfill")
ACTOR = "backfill-sweeper"


def _due(now: dt.datetime) -> list[ColumnElement[bool]]:
    return [BackfillCampaign.deadline <= now,
            or_(BackfillCampaign.swept_deadline.is_(None),
                BackfillCampaign.swept_deadline != BackfillCampaign.deadline)]


async def sweep_due(sessions: async_sessionmaker[AsyncSession], *,
                    whitelist: WhitelistChecker) -> dict[str, SweepResult]:
    """Sweep every campaign that is due, each in its own transaction; returns what each
    swept. A province whose whitelist check failed is left for the next call."""
    async with sessions() as session:
        due = list((await session.execute(select(BackfillCampaign.province)
                                          .where(*_due(utcnow())))).scalars())
    done = {}
    for province in due:
        try:
            result = await _sweep_one(sessions, province, whitelist)
        except DependencyUnavailable:
            log.warning("back-fill sweep of %s waits for whitelist", province)
            continue
        if result is not None:
            done[province] = result
    return done


async def _sweep_one(sessions: async_sessionmaker[AsyncSession], province: str,
                     whitelist: WhitelistChecker) -> SweepResult | None:
    """The campaign row is locked (PostgreSQL) so that two replicas sweep a deadline once."""
    async with sessions() as session, session.begin():
        now = utcnow()
        campaign = (await session.execute(
            select(BackfillCampaign).where(BackfillCampaign.province == province, *_due(now))
            .with_for_update())).scalar_one_or_none()
        if campaign is None:
            return None
        result = await sweep(session, province=province, deadline=campaign.deadline,
                             actor=ACTOR, whitelist=whitelist)
        campaign.swept_deadline, campaign.swept_at = campaign.deadline, now
        log.info("back-fill deadline swept", extra={
            "province": province, "suspended": len(result.suspended),
            "exempted": len(result.exempted)})
    return result


async def _sweep_deadlines(app: FastAPI) -> None:
    state = RegistryState.of(app)
    await sweep_due(state.sessions, whitelist=_whitelist(state))


def _whitelist(state: RegistryState) -> WhitelistClient:
    if state.whitelist is None:
        raise RuntimeError("registry's whitelist client is made at start-up")
    return state.whitelist


async def snapshot_today(app: FastAPI, *, refresh: bool) -> None:
    """Today's progress snapshot, in its own transaction; without `refresh` only if none
    exists."""
    now, state = utcnow(), RegistryState.of(app)
    async with state.sessions() as session:
        if not refresh and await progress.snapshot_taken(session, now=now):
            return
        await progress.take_today(session, whitelist=state.whitelist, now=now)
        await session.commit()


async def _snapshot_daily(app: FastAPI) -> None:
    await snapshot_today(app, refresh=False)


async def _scan_violations(app: FastAPI) -> None:
    state = RegistryState.of(app)
    async for session in session_scope(state.sessions):
        await scan_day(session, day=previous_day(), rule=rule_of(state.settings))


class Sweep(NamedTuple):
    start: Hook
    stop: Hook


def _every(name: str, job: Callable[[FastAPI], Awaitable[None]],
           seconds: Callable[[Settings], float]) -> Sweep:
    """The one runner: `job(app)` at start-up, then every `seconds(settings)` (0: off)."""
    start, stop = periodic_hooks(name, job,
                                 every=lambda app: seconds(RegistryState.of(app).settings))
    return Sweep(start, stop)


# In start-up order; stopped in reverse.
SWEEPS: dict[str, Sweep] = {
    "gateway_violations": _every("registry.gateway_violations", _scan_violations,
                                 lambda s: s.gateway_violation_scan_seconds),
    "progress": _every("registry.progress", _snapshot_daily,
                       lambda s: s.progress_check_seconds),
    "backfill": _every("registry.backfill", _sweep_deadlines,
                       lambda s: s.backfill_sweep_seconds),
}


async def start_sweeps(app: FastAPI) -> None:
    for sweep_ in SWEEPS.values():
        await sweep_.start(app)


async def stop_sweeps(app: FastAPI) -> None:
    for sweep_ in reversed(SWEEPS.values()):
        await sweep_.stop(app)
