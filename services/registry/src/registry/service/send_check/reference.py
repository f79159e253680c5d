"""The send check's answer as it was computed before the fast path: kept as the reference
the tests compare `verdict.verdict` with, on thousands of generated messages.

Every template of the sub-port is tried in turn on the raw text (`best_match` normalises it
again per template), and the marketing wording is always read.
"""

from collections.abc import Sequence
from typing import Any

from registry.schemas.messaging import SendCheckIn
from registry.service.matching import CompiledTemplate, MatchResult, best_match
from registry.service.matching.keywords import looks_like_marketing
from registry.service.send_check.state import SubPortView
from registry.service.send_check.verdict import sub_port_reasons, template_reasons

Candidates = Sequence[tuple[Any, CompiledTemplate]]


def _content_reasons(sub: SubPortView, best: MatchResult | None, content: str) -> list[str]:
    reasons = template_reasons(best)
    marketing = (best is not None and best.ok and best.key.kind == "marketing"
                 ) or looks_like_marketing(content)
    if marketing and sub.business_type != "marketing":
        reasons.append("marketing_on_service_port")
    return reasons


def reference_verdict(subs: dict[str, SubPortView], opted: set[tuple[str, str]],
                      templates: dict[str, Candidates], check: SendCheckIn,
                      phone: str | None, index: str | None
                      ) -> tuple[list[str], MatchResult | None]:
    """`opted`: (sub-port, phone blind index) pairs; `templates`: per sub-port, in order."""
    reasons = [] if phone else ["recipient_invalid"]
    sub = subs.get(check.sub_port)
    reasons += sub_port_reasons(check.sub_port, sub)
    if sub is None or "m2m_port" in reasons:
        return reasons, None
    if index is not None and (sub.number, index) in opted:
        reasons.append("recipient_opted_out")
    best = best_match(templates.get(sub.number, []), check.content)
    return reasons + _content_reasons(sub, best, check.content), best
