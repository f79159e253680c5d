"""Background sweep: entries whose expiry passed are announced to registry as revoked."""

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from whitelist.service.entries import expire_due

log = logging.getLogger("whitelist.expiry")


async def sweep_once(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        announced = await expire_due(session)
        await session.commit()
    return announced


async def _loop(app: FastAPI, interval: float) -> None:
    while True:
        try:
            if await sweep_once(app):
                app.state.relay.nudge()
        except Exception:
            log.exception("expiry sweep failed")
        await asyncio.sleep(interval)


async def start_sweep(app: FastAPI) -> None:
    interval = app.state.settings.expiry_sweep_seconds
    app.state.expiry_task = asyncio.create_task(_loop(app, interval), name="whitelist-expiry") \
        if interval > 0 else None


async def stop_sweep(app: FastAPI) -> None:
    task = app.state.expiry_task
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
