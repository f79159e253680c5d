"""The periodic job behind gateway violations: each pass reports the previous day (CST) once
it is complete; the rows it writes make a re-run harmless."""

from fastapi import FastAPI

from porttrust_shared.db import session_scope
from porttrust_shared.wiring import periodic_hooks
from registry.service.gateway_violations import ViolationRule, previous_day, scan_day
from registry.settings import Settings


def rule_of(settings: Settings) -> ViolationRule:
    return ViolationRule(mismatch_share=settings.gateway_mismatch_share,
                         min_checks=settings.gateway_mismatch_min_checks)


async def _scan(app: FastAPI) -> None:
    async for session in session_scope(app.state.sessions):
        await scan_day(session, day=previous_day(), rule=rule_of(app.state.settings))


start_scan, stop_scan = periodic_hooks(
    "registry.gateway_violations", _scan,
    every=lambda app: app.state.settings.gateway_violation_scan_seconds)
