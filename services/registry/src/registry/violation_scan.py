"""The periodic job behind gateway violations: each pass reports the previous day (CST) once
it is complete; the rows it writes make a re-run harmless."""

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from porttrust_shared.db import session_scope
from registry.service.gateway_violations import ViolationRule, previous_day, scan_day
from registry.settings import Settings

log = logging.getLogger("registry.gateway_violations")


def rule_of(settings: Settings) -> ViolationRule:
    return ViolationRule(mismatch_share=settings.gateway_mismatch_share,
                         min_checks=settings.gateway_mismatch_min_checks)


async def _loop(app: FastAPI, interval: float) -> None:
    while True:
        try:
            async for session in session_scope(app.state.sessions):
                await scan_day(session, day=previous_day(), rule=rule_of(app.state.settings))
        except Exception:
            log.exception("gateway violation scan failed")
        await asyncio.sleep(interval)


async def start_scan(app: FastAPI) -> None:
    interval = app.state.settings.gateway_violation_scan_seconds
    app.state.violation_scan = asyncio.create_task(
        _loop(app, interval), name="registry-gateway-violations") if interval > 0 else None


async def stop_scan(app: FastAPI) -> None:
    task = app.state.violation_scan
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
