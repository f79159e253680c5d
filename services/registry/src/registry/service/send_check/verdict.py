"""One check's answer from a `Snapshot`: pure code, no I/O (R4-R6).

The message is normalised once; its sub-port's `TemplateIndex` aligns it only with the
templates it can fit, and explains part by part only when none fits. `reference.py` keeps the
answer as it was computed before (every template tried in turn, on the raw text), and the
tests hold the two to the same answers.
"""

import re
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from porttrust_shared.pii import mask_phone
from porttrust_shared.validators import PortClass, check_mobile, port_class
from registry.schemas.messaging import Check, SendCheckIn
from registry.service.matching import MatchResult
from registry.service.matching.index import TemplateIndex
from registry.service.matching.keywords import marketing_wording
from registry.service.matching.matcher import Fit, Miss
from registry.service.matching.normalize import normalize, split_normalized
from registry.service.monitoring import decide
from registry.service.send_check.phone_keys import phone_key
from registry.service.send_check.state import SubPortView

_NO_TEMPLATES = TemplateIndex([])


@dataclass
class Snapshot:
    """What a batch of checks reads: the sub-ports the caller may see, their templates, and
    their opt-outs as 64-bit phone keys."""

    subs: dict[str, SubPortView] = field(default_factory=dict)
    templates: dict[str, TemplateIndex] = field(default_factory=dict)
    opted: dict[str, Container[int]] = field(default_factory=dict)


def recipient_phone(raw: str) -> str | None:
    try:
        return check_mobile(raw)
    except ValueError:
        return None


def masked(raw: str, phone: str | None) -> str:
    return mask_phone(phone or re.sub(r"\D", "", raw))


Best = Fit | Miss
Result = Best | MatchResult  # the reference's (reference.py) explains as `Best` does
Asked = SendCheckIn | Check


def explain(best: Result) -> dict[str, Any]:
    ref = best.key
    return {"template_id": ref.id, "template_status": ref.status, "template_kind": ref.kind,
            "matched": best.ok, "segments": best.segment_dicts()}


def template_reasons(best: Result | None) -> list[str]:
    if best is None:
        return ["no_template"]
    if not best.ok:
        return list(best.reasons)
    return [] if best.key.status == "approved" else ["template_not_approved"]


def sub_port_reasons(number: str, sub: SubPortView | None) -> list[str]:
    if port_class(number) is PortClass.M2M:
        return ["m2m_port"]
    if sub is None:
        return ["sub_port_unknown"]
    return [] if sub.status == "active" else ["sub_port_not_active"]


def _content_reasons(sub: SubPortView, best: Best | None, normalized: str) -> list[str]:
    reasons = template_reasons(best)
    # R4: a service port sends no promotion; the wording test runs only where it can matter.
    if sub.business_type != "marketing" and (
            (best is not None and best.ok and best.key.kind == "marketing")
            or marketing_wording(normalized)):
        reasons.append("marketing_on_service_port")
    return reasons


def verdict(snapshot: Snapshot, check: Asked, phone: str | None, index: str | None,
            normalized: str | None = None) -> tuple[list[str], Best | None]:
    """The reasons to refuse (none: allowed) and the template result that explains them
    (`normalized`: the content normalised, when the caller has it already)."""
    reasons = [] if phone else ["recipient_invalid"]
    sub = snapshot.subs.get(check.sub_port)
    reasons += sub_port_reasons(check.sub_port, sub)
    if sub is None or "m2m_port" in reasons:
        return reasons, None
    if index is not None and phone_key(index) in snapshot.opted.get(sub.number, ()):
        reasons.append("recipient_opted_out")
    if normalized is None:
        normalized = normalize(check.content)
    signature, body = split_normalized(normalized)
    best = snapshot.templates.get(sub.number, _NO_TEMPLATES).best(signature, body)
    return reasons + _content_reasons(sub, best, normalized), best


def answer(check: Asked, phone: str | None, reasons: list[str], best: Result | None, *,
           monitored: bool = False) -> dict[str, Any]:
    """A `SendCheckRead` as the plain values it renders to (fields in its order): what
    render.py writes as text without making them, and what the tests compare with the
    reference's answer. `monitored`: the sub-port is in template monitoring
    (service/monitoring.py)."""
    matched = best.key.id if best is not None and best.ok else None
    allowed, enforced = decide(reasons, monitored=monitored)
    return {"sub_port": check.sub_port, "recipient": masked(check.recipient, phone),
            "allowed": allowed, "enforced": enforced, "reasons": reasons,
            "template_id": matched, "explanation": explain(best) if best is not None else None}
