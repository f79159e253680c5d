"""Periodic jobs: tell registry when blacklist entries expire (README: sanctions)."""

from fastapi import FastAPI

from credit.deps import CreditState
from credit.service.blacklist import release_expired
from porttrust_shared.db import session_scope
from porttrust_shared.hooks import periodic_hooks


async def _sweep(app: FastAPI) -> None:
    state = CreditState.of(app)
    async for session in session_scope(state.sessions):
        await release_expired(session, ctx=state.credit)


start_sweep, stop_sweep = periodic_hooks(
    "credit.sweeps", _sweep,
    every=lambda app: CreditState.of(app).settings.expiry_sweep_seconds)
