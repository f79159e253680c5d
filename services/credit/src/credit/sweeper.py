"""Background pass that tells registry when blacklist entries expire."""

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from credit.blacklist import release_expired
from porttrust_shared.db import session_scope

log = logging.getLogger("credit.sweeper")


async def _loop(app: FastAPI, interval: float) -> None:
    while True:
        try:
            async for session in session_scope(app.state.sessions):
                await release_expired(session, ctx=app.state.credit)
        except Exception:
            log.exception("expiry sweep failed")
        await asyncio.sleep(interval)


async def start_sweeper(app: FastAPI) -> None:
    app.state.sweeper = asyncio.create_task(
        _loop(app, app.state.settings.expiry_sweep_seconds), name="credit-expiry-sweep")


async def stop_sweeper(app: FastAPI) -> None:
    app.state.sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app.state.sweeper
