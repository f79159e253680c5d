"""Live rows of the installed base (R2): a row with `status: active` makes its sub-port live
even while its record is incomplete — the only way an incomplete sub-port goes live. It
keeps sending until its province's back-fill deadline; after that deadline an incomplete
row can no longer be imported live (`deadline_passed`).

A new or registered (or cancelled) sub-port becomes active, with a transition
(`imported_live`) and, for an existing one, a version; an active one stays as it is; a
suspended one is not resumed by an import (resume it). `registered`, the default, never
takes a live sub-port back.
"""

import datetime as dt
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.schemas.ports import Backfill
from registry.service.campaigns import backfill_of
from registry.service.completeness import Facts, missing
from registry.service.sub_ports import FIELDS
from registry.service.surroundings import FIELDS_ONLY, Around, around

if TYPE_CHECKING:
    from registry.service.imports.planner import Lookups, Plan

LIVE_REASON = "imported_live"
Problem = tuple[str, str | None, str]


def handler_status(ctx: "Lookups", handler_id: str | None) -> str | None:
    """A handler created by this import (or an earlier chunk of it) is unverified."""
    if not handler_id:
        return None
    found = ctx.handlers.get(handler_id)
    return found.verification_status if found is not None else "unverified"


def _record(plan: "Plan", ctx: "Lookups") -> SimpleNamespace:
    """The sub-port as it will be once the row is applied."""
    old = plan.existing
    merged = {f: plan.values.get(f, getattr(old, f) if old is not None else None)
              for f in FIELDS}
    return SimpleNamespace(number=plan.data.number, **merged)


def missing_after(plan: "Plan", ctx: "Lookups", extra: Around = FIELDS_ONLY) -> list[str]:
    """What the sub-port will lack once the row is applied (by default its own fields and
    handler only: agreements and flags are no import's business)."""
    record = _record(plan, ctx)
    return missing(Facts(record, handler_status(ctx, record.handler_id), extra))


def missing_before(plan: "Plan", ctx: "Lookups") -> list[str]:
    sub = plan.existing
    assert sub is not None
    return missing(Facts(sub, handler_status(ctx, sub.handler_id), FIELDS_ONLY))


async def surroundings(session: AsyncSession, plans: list["Plan"],
                       ctx: "Lookups") -> dict[str, Around]:
    """Agreements and flags of the rows asking to be live, once they are written."""
    wanted = [_record(p, ctx) for p in plans if p.missing is not None]
    return await around(session, wanted) if wanted else {}


def live_problem(plan: "Plan", ctx: "Lookups", now: dt.datetime) -> Problem | None:
    """For a row asking to be live: mark the plan, or say why it cannot be."""
    if plan.data.status != "active":
        return None
    status = plan.existing.status if plan.existing is not None else None
    if status == "suspended":
        return None
    plan.missing = missing_after(plan, ctx)
    if status == "active":
        return None
    deadline = ctx.deadlines.get(plan.data.province)
    if plan.missing and deadline is not None and now >= deadline:
        return ("deadline_passed", "status",
                "The province's back-fill deadline has passed: complete the record first.")
    plan.live = True
    if plan.existing is not None:
        plan.values = {**plan.values, "status": "active", "status_reason": LIVE_REASON}
    return None


def transitions(plans: list["Plan"], actor: str, now: dt.datetime) -> list[dict[str, Any]]:
    """One lifecycle step per sub-port the chunk makes live; call before the changes."""
    return [{"sub_port_number": p.data.number,
             "from_status": p.existing.status if p.existing is not None else "registered",
             "to_status": "active", "reason": LIVE_REASON, "actor": actor, "at": now}
            for p in plans if p.live]


def backfill(plan: "Plan", ctx: "Lookups", now: dt.datetime,
             facts: dict[str, Around]) -> Backfill | None:
    """The row's sub-port's back-fill state (all it lacks), for rows that asked to be live."""
    if plan.missing is None:
        return None
    lacks = missing_after(plan, ctx, facts.get(plan.data.number, FIELDS_ONLY))
    return backfill_of(lacks, ctx.deadlines.get(plan.data.province), now)


