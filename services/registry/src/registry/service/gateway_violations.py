"""Gateway violations become credit events (R4, R6), read from the send log by a periodic job.

The send check itself is untouched: it only logs. For one calendar day (China Standard Time,
the operator's day) set-based queries count, per sub-port, its checks, its refusals for
`marketing_on_service_port` and its refusals for a template mismatch. A sub-port with any
marketing refusal, or with template mismatches above `mismatch_share` of at least
`min_checks` checks, gives one credit event for its user unit — at most one per sub-port per
day (a unique row per sub-port and day) — with the counts and up to 20 send-log ids as
evidence, never message text.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from registry.models import AuditEvent, GatewayViolation, OutboxEvent, Port, SendLogEntry, SubPort
from registry.settings import Settings

MARKETING = "marketing_on_service_port"
TEMPLATE_MISMATCH = "template_mismatch"
# Refusal codes meaning "the text is not a registered template" (README: send check reasons).
TEMPLATE_CODES = ("no_template", "signature_mismatch", "fixed_text_mismatch", "variable_type",
                  "variable_too_long", "url_off_list")
DAY_ZONE = dt.timezone(dt.timedelta(hours=8), "CST")
EVIDENCE_IDS = 20
ACTOR = "registry:gateway-violations"


@dataclass(frozen=True)
class ViolationRule:
    mismatch_share: float
    min_checks: int


def rule_of(settings: Settings) -> ViolationRule:
    return ViolationRule(mismatch_share=settings.gateway_mismatch_share,
                         min_checks=settings.gateway_mismatch_min_checks)


@dataclass(frozen=True)
class DayCount:
    sub_port: str
    checks: int
    marketing: int
    mismatches: int

    def violation(self, rule: ViolationRule) -> str | None:
        if self.marketing:
            return MARKETING
        if self.checks >= rule.min_checks and self.mismatches > rule.mismatch_share * self.checks:
            return TEMPLATE_MISMATCH
        return None


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), DAY_ZONE)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def previous_day(now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).astimezone(DAY_ZONE).date() - dt.timedelta(days=1)


def _has(code: str) -> ColumnElement[bool]:
    # The reasons are a JSON list; its text holds each code in quotes on both dialects.
    return cast(SendLogEntry.reasons, Text).like(f'%"{code}"%')


def _refused_for(kind: str) -> ColumnElement[bool]:
    codes = (MARKETING,) if kind == MARKETING else TEMPLATE_CODES
    return and_(SendLogEntry.allowed.is_(False), or_(*(_has(code) for code in codes)))


async def day_counts(session: AsyncSession, day: dt.date) -> list[DayCount]:
    """One grouped query over the day's send log: known sub-ports only."""
    start, end = day_bounds(day)
    s = SendLogEntry
    rows = await session.execute(
        select(s.sub_port_number, func.count(),
               func.sum(case((_refused_for(MARKETING), 1), else_=0)),
               func.sum(case((_refused_for(TEMPLATE_MISMATCH), 1), else_=0)))
        .where(s.checked_at >= start, s.checked_at < end, s.province.is_not(None))
        .group_by(s.sub_port_number))
    return [DayCount(number, int(checks), int(marketing or 0), int(mismatches or 0))
            for number, checks, marketing, mismatches in rows.all()]


async def _log_ids(session: AsyncSession, number: str, day: dt.date, kind: str) -> list[int]:
    start, end = day_bounds(day)
    s = SendLogEntry
    rows = await session.execute(select(s.id).where(
        s.sub_port_number == number, s.checked_at >= start, s.checked_at < end,
        _refused_for(kind)).order_by(s.id).limit(EVIDENCE_IDS))
    return list(rows.scalars().all())


async def _subject(session: AsyncSession, number: str) -> tuple[dict[str, str] | None,
                                                                 str | None]:
    """The sub-port's user unit (its port's holder when it names none), and its province."""
    sub = await session.get(SubPort, number)
    if sub is None:
        return None, None
    if sub.user_unit_uscc:
        return {"kind": "user_unit", "key": sub.user_unit_uscc}, sub.province
    port = await session.get(Port, sub.port_number)
    return ({"kind": "holder", "key": port.holder_uscc} if port else None), sub.province


async def _report(session: AsyncSession, count: DayCount, kind: str, day: dt.date,
                  rule: ViolationRule) -> GatewayViolation:
    ids = await _log_ids(session, count.sub_port, day, kind)
    evidence: dict[str, Any] = {
        "sub_port": count.sub_port, "day": day.isoformat(), "checks": count.checks,
        "marketing_on_service_port": count.marketing, "template_mismatch": count.mismatches,
        "mismatch_share_limit": rule.mismatch_share, "send_log_ids": ids}
    row = GatewayViolation(sub_port_number=count.sub_port, day=day, type=kind,
                           evidence=evidence, created_at=utcnow())
    session.add(row)
    await session.flush()
    subject, province = await _subject(session, count.sub_port)
    if subject is not None:
        await enqueue(session, OutboxEvent, destination="credit", topic="credit_event.reported",
                      payload={"subject": subject, "type": kind, "evidence": evidence,
                               "occurred_at": (day_bounds(day)[1] - dt.timedelta(
                                   microseconds=1)).isoformat(),
                               "source_ref": f"registry:gateway:{count.sub_port}:{day}"})
    await append_audit(session, AuditEvent, actor=ACTOR, action="sub_port.gateway_violation",
                       entity="sub_port", entity_id=count.sub_port, province=province,
                       data={**evidence, "type": kind, "reported_to": subject})
    return row


async def scan_day(session: AsyncSession, *, day: dt.date,
                   rule: ViolationRule) -> list[GatewayViolation]:
    """Report the day's violations not reported yet; returns every report of that day."""
    done = {row.sub_port_number: row for row in (await session.execute(
        select(GatewayViolation).where(GatewayViolation.day == day))).scalars().all()}
    for count in await day_counts(session, day):
        kind = count.violation(rule)
        if kind is not None and count.sub_port not in done:
            done[count.sub_port] = await _report(session, count, kind, day, rule)
    return sorted(done.values(), key=lambda row: row.sub_port_number)
