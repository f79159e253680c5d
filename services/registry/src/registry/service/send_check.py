"""The send check (R4-R6): may this sub-port send this text to this phone, and if not, why.

The hot path: three indexed reads for a whole batch (sub-ports, opt-outs, templates), compiled
templates from an in-process cache, one insert per check into the send log. No other service
is asked: sanctions and whitelist changes already arrive as sub-port status.
"""

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.pii import PiiCipher, mask_phone
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import PortClass, check_mobile, port_class
from registry.matching import CompiledTemplate, MatchResult, best_match
from registry.matching.keywords import looks_like_marketing
from registry.models import MessageTemplate, SendLogEntry, SubPort
from registry.schemas_messaging import SendCheckIn, SendCheckRead
from registry.service.common import visible
from registry.service.monitoring import decide, monitored, waivable
from registry.service.opt_outs import PHONE, opted_out
from registry.service.send_log import append_entries, content_digest
from registry.service.templates import templates_of

Candidates = list[tuple[Any, CompiledTemplate]]


def _phone(raw: str) -> str | None:
    try:
        return check_mobile(raw)
    except ValueError:
        return None


def _masked(raw: str, phone: str | None) -> str:
    return mask_phone(phone or re.sub(r"\D", "", raw))


async def _sub_ports(session: AsyncSession, numbers: set[str],
                     actor: Principal) -> dict[str, SubPort]:
    """Another province's sub-port is as unknown as a missing one."""
    rows = (await session.execute(select(SubPort).where(SubPort.number.in_(numbers)))).scalars()
    return {s.number: s for s in rows if visible(actor, s.province)}


def _explain(best: MatchResult) -> dict[str, Any]:
    row: MessageTemplate = best.key
    return {"template_id": row.id, "template_status": row.status, "template_kind": row.kind,
            "matched": best.ok, "segments": [s.as_dict() for s in best.segments]}


def _template_reasons(best: MatchResult | None) -> list[str]:
    if best is None:
        return ["no_template"]
    if not best.ok:
        return list(best.reasons)
    return [] if best.key.status == "approved" else ["template_not_approved"]


def _sub_port_reasons(number: str, sub: SubPort | None) -> list[str]:
    if port_class(number) is PortClass.M2M:
        return ["m2m_port"]
    if sub is None:
        return ["sub_port_unknown"]
    return [] if sub.status == "active" else ["sub_port_not_active"]


def _content_reasons(sub: SubPort, best: MatchResult | None, content: str) -> list[str]:
    reasons = _template_reasons(best)
    marketing = (best is not None and best.ok and best.key.kind == "marketing"
                 ) or looks_like_marketing(content)
    if marketing and sub.business_type != "marketing":
        reasons.append("marketing_on_service_port")
    return reasons


class _Batch:
    """What one batch of checks needs from the database, read once."""

    def __init__(self, subs: dict[str, SubPort], opted: set[tuple[str, str]],
                 templates: dict[str, Candidates]) -> None:
        self.subs, self.opted, self.templates = subs, opted, templates

    def verdict(self, check: SendCheckIn, phone: str | None,
                index: str | None) -> tuple[list[str], MatchResult | None]:
        reasons = [] if phone else ["recipient_invalid"]
        sub = self.subs.get(check.sub_port)
        reasons += _sub_port_reasons(check.sub_port, sub)
        if sub is None or "m2m_port" in reasons:
            return reasons, None
        if index is not None and (sub.number, index) in self.opted:
            reasons.append("recipient_opted_out")
        best = best_match(self.templates.get(sub.number, []), check.content)
        return reasons + _content_reasons(sub, best, check.content), best


async def _load(session: AsyncSession, checks: Sequence[SendCheckIn], indexes: set[str],
                actor: Principal) -> _Batch:
    subs = await _sub_ports(session, {c.sub_port for c in checks}, actor)
    opted = await opted_out(session, numbers=subs, phone_indexes=indexes)
    return _Batch(subs, opted, await templates_of(session, set(subs)) if subs else {})


def _read(check: SendCheckIn, phone: str | None, reasons: list[str],
          best: MatchResult | None, monitored: bool) -> SendCheckRead:
    matched = best.key.id if best is not None and best.ok else None
    allowed, enforced = decide(reasons, monitored=monitored)
    return SendCheckRead(sub_port=check.sub_port, recipient=_masked(check.recipient, phone),
                         allowed=allowed, enforced=enforced, reasons=reasons,
                         template_id=matched,
                         explanation=_explain(best) if best is not None else None)


async def check_sends(session: AsyncSession, *, checks: Sequence[SendCheckIn],
                      actor: Principal, cipher: PiiCipher) -> list[SendCheckRead]:
    """Answer each check and log it; the answers keep the order of the checks."""
    phones = [_phone(c.recipient) for c in checks]
    indexes = [cipher.blind_index(p, field=PHONE) if p else None for p in phones]
    batch = await _load(session, checks, {i for i in indexes if i}, actor)
    results, entries, now = [], [], utcnow()
    verdicts = [batch.verdict(*asked) for asked in zip(checks, phones, indexes, strict=True)]
    waived = await monitored(session, {c.sub_port for c, (reasons, _) in zip(
        checks, verdicts, strict=True) if waivable(reasons)}, now)
    for check, phone, index, (reasons, best) in zip(checks, phones, indexes, verdicts,
                                                    strict=True):
        result = _read(check, phone, reasons, best, check.sub_port in waived)
        sub = batch.subs.get(check.sub_port)
        results.append(result)
        entries.append(SendLogEntry(
            checked_at=now, sub_port_number=check.sub_port, province=sub.province if sub else None,
            recipient_index=index, recipient_masked=result.recipient, allowed=result.allowed,
            enforced=result.enforced, reasons=reasons, template_id=result.template_id,
            actor=actor.sub,
            content_digest=content_digest(check.content, cipher),
            content_length=len(check.content)))
    await append_entries(session, entries)
    return results
