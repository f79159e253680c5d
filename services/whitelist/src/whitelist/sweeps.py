"""Periodic jobs: entries whose expiry passed are announced to registry as revoked."""

from fastapi import FastAPI

from porttrust_shared.hooks import periodic_hooks
from whitelist.deps import WhitelistState
from whitelist.service.entries import expire_due


async def sweep_once(app: FastAPI) -> int:
    async with WhitelistState.of(app).sessions() as session:
        announced = await expire_due(session)
        await session.commit()
    return announced


async def _sweep(app: FastAPI) -> None:
    if await sweep_once(app):
        WhitelistState.of(app).relay.nudge()


start_sweep, stop_sweep = periodic_hooks(
    "whitelist.expiry", _sweep,
    every=lambda app: WhitelistState.of(app).settings.expiry_sweep_seconds)
