"""Periodic jobs: entries whose expiry passed are announced to registry as revoked."""

from fastapi import FastAPI

from porttrust_shared.wiring import periodic_hooks
from whitelist.service.entries import expire_due


async def sweep_once(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        announced = await expire_due(session)
        await session.commit()
    return announced


async def _sweep(app: FastAPI) -> None:
    if await sweep_once(app):
        app.state.relay.nudge()


start_sweep, stop_sweep = periodic_hooks(
    "whitelist.expiry", _sweep, every=lambda app: app.state.settings.expiry_sweep_seconds)
