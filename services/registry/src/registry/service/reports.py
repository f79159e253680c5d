"""Per-province figures for HQ: sub-ports by state, completeness, verified handlers, holders
with signed agreements. Every province appears, with zeros where nothing is registered."""

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import case, distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import DependencyUnavailable
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import PROVINCES
from registry.clients import Combing, WhitelistClient
from registry.models import Agreement, BackfillCampaign, Handler, Port, SubPort
from registry.service import completeness
from registry.service.agreements import SUPPLEMENTARY

STATUSES = ("registered", "active", "suspended", "cancelled")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def _sub_ports(session: AsyncSession) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    rows = await session.execute(select(SubPort.province, SubPort.status, func.count())
                                 .group_by(SubPort.province, SubPort.status))
    for province, status, count in rows:
        out[province][status] = count
    complete = await session.execute(
        select(SubPort.province, func.count())
        .select_from(SubPort).outerjoin(Handler, Handler.id == SubPort.handler_id)
        .where(SubPort.status != "cancelled", completeness.complete()).group_by(SubPort.province))
    for province, count in complete:
        out[province]["complete"] = count
    return out


async def _handlers(session: AsyncSession) -> dict[str, tuple[int, int]]:
    verified = func.sum(case((Handler.verification_status == "verified", 1), else_=0))
    rows = await session.execute(select(Handler.province, func.count(), verified)
                                 .group_by(Handler.province))
    return {p: (int(total), int(ok or 0)) for p, total, ok in rows}


async def holders_by_province(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Per province: holders of its ports, and those with a supplementary agreement (R3)."""
    signed = exists(select(Agreement.id).where(
        Agreement.organization_uscc == Port.holder_uscc, Agreement.kind == SUPPLEMENTARY))
    rows = await session.execute(
        select(Port.province, func.count(distinct(Port.holder_uscc)),
               func.count(distinct(case((signed, Port.holder_uscc)))))
        .group_by(Port.province))
    return {p: (int(total), int(ok or 0)) for p, total, ok in rows}


async def combing_by_province(whitelist: WhitelistClient | None) -> dict[str, Combing] | None:
    """Whitelist's combing counts; None (shown as unknown) when whitelist cannot answer:
    the rest of the report does not depend on it."""
    try:
        return None if whitelist is None else await whitelist.combing()
    except DependencyUnavailable:
        return None


async def campaign_deadlines(session: AsyncSession) -> dict[str, dt.datetime]:
    rows = await session.execute(select(BackfillCampaign.province, BackfillCampaign.deadline))
    return {province: deadline for province, deadline in rows}


def _campaign(deadline: dt.datetime | None, now: dt.datetime) -> dict[str, Any] | None:
    """The province's back-fill deadline and the calendar days (UTC) left until it;
    negative once it has passed."""
    if deadline is None:
        return None
    return {"deadline": deadline, "days_left": (deadline.date() - now.date()).days}


async def province_report(session: AsyncSession, *, actor: Principal,
                          whitelist: WhitelistClient | None = None) -> dict[str, Any]:
    subs, handlers, holders = (await _sub_ports(session), await _handlers(session),
                               await holders_by_province(session))
    combing = await combing_by_province(whitelist)
    deadlines, now = await campaign_deadlines(session), utcnow()
    scope = actor.province_scope
    items = []
    for code, name in sorted(PROVINCES.items()):
        if scope is not None and code != scope:
            continue
        counts = subs.get(code, {})
        by_status = {s: counts.get(s, 0) for s in STATUSES}
        live = sum(by_status.values()) - by_status["cancelled"]
        complete = counts.get("complete", 0)
        h_total, h_ok = handlers.get(code, (0, 0))
        o_total, o_ok = holders.get(code, (0, 0))
        items.append({
            "province": code, "name": name,
            "sub_ports": {**by_status, "total": sum(by_status.values())},
            "completeness": {"complete": complete, "total": live, "rate": _rate(complete, live)},
            "handlers": {"verified": h_ok, "total": h_total, "rate": _rate(h_ok, h_total)},
            "holders": {"signed": o_ok, "total": o_total, "rate": _rate(o_ok, o_total)},
            "combing": None if combing is None else combing.get(code),
            "campaign": _campaign(deadlines.get(code), now),
        })
    return {"generated_at": now, "items": items, "combing_available": combing is not None}
