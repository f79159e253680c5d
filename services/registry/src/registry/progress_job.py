"""registry's daily progress snapshot (R9): taken soon after start-up and then once a day,
by the service itself. A failed pass (database, whitelist) is logged and tried again at the
next check; two replicas racing for the day's first row leave one (the unique day)."""

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from porttrust_shared.db import utcnow
from registry.service import progress

log = logging.getLogger("registry.progress")


async def snapshot_today(app: FastAPI, *, refresh: bool) -> None:
    """Today's snapshot, in its own transaction; without `refresh` only if none exists."""
    now = utcnow()
    async with app.state.sessions() as session:
        if not refresh and await progress.snapshot_taken(session, now=now):
            return
        await progress.take_today(session, whitelist=app.state.whitelist, now=now)
        await session.commit()


async def _run(app: FastAPI, every: float) -> None:
    while True:
        try:
            await snapshot_today(app, refresh=False)
        except Exception:
            log.exception("progress snapshot failed; tried again at the next check")
        await asyncio.sleep(every)


async def start_progress_job(app: FastAPI) -> None:
    every = app.state.settings.progress_check_seconds
    app.state.progress_job = asyncio.create_task(_run(app, every)) if every > 0 else None


async def stop_progress_job(app: FastAPI) -> None:
    task = app.state.progress_job
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
