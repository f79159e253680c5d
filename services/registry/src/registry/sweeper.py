"""The deadline sweep runs by itself: every REGISTRY_BACKFILL_SWEEP_SECONDS (default 30, so
within a minute of a deadline) each campaign whose deadline has passed and not yet been
swept is swept once. A sweep the whitelist could not answer for changes nothing and is tried
again next tick; a changed deadline is swept again when it passes."""

import datetime as dt
import logging

from fastapi import FastAPI
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared.db import utcnow
from porttrust_shared.errors import DependencyUnavailable
from porttrust_shared.wiring import periodic_hooks
from registry.models import BackfillCampaign
from registry.service.deadline import SweepResult, sweep
from registry.whitelist_client import WhitelistChecker

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


async def _sweep(app: FastAPI) -> None:
    await sweep_due(app.state.sessions, whitelist=app.state.whitelist)


start_sweeper, stop_sweeper = periodic_hooks(
    "registry.backfill", _sweep, every=lambda app: app.state.settings.backfill_sweep_seconds)
