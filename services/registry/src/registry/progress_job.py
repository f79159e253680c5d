"""registry's daily progress snapshot (R9): taken soon after start-up and then once a day,
by the service itself (porttrust_shared.wiring.periodic_hooks: a failed pass is logged and
tried again at the next check). Two replicas racing for the day's first rows: the unique
(province, day) keeps one, the other pass fails and finds them taken next time."""

from fastapi import FastAPI

from porttrust_shared.db import utcnow
from porttrust_shared.wiring import periodic_hooks
from registry.service import progress


async def snapshot_today(app: FastAPI, *, refresh: bool) -> None:
    """Today's snapshot, in its own transaction; without `refresh` only if none exists."""
    now = utcnow()
    async with app.state.sessions() as session:
        if not refresh and await progress.snapshot_taken(session, now=now):
            return
        await progress.take_today(session, whitelist=app.state.whitelist, now=now)
        await session.commit()


async def _daily(app: FastAPI) -> None:
    await snapshot_today(app, refresh=False)


start_progress_job, stop_progress_job = periodic_hooks(
    "registry.progress", _daily, every=lambda app: app.state.settings.progress_check_seconds)
