"""Align a message with a compiled template and say, part by part, what fits and what fails.

Alignment never backtracks: each fixed segment is found at the earliest place after the
previous one (the last one must end the message), so a check costs O(message × template)
whatever the caller sends.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from registry.service.matching.normalize import split_signature
from registry.service.matching.template import CompiledTemplate, Fixed, Variable
from registry.service.matching.variables import check_value

_TRAILING = re.compile(r"\s*\Z")


@dataclass(frozen=True, slots=True)
class SegmentResult:
    index: int
    part: str  # "signature" | "fixed" | "variable"
    ok: bool | None  # None: not reached, an earlier part failed
    reason: str | None = None
    name: str | None = None
    type: str | None = None
    position: int | None = None  # where in the message body the part was expected

    def as_dict(self) -> dict[str, Any]:
        """The fields in order, those that are None left out (except `ok`)."""
        found: dict[str, Any] = {"index": self.index, "part": self.part, "ok": self.ok}
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        return found


_OPTIONAL = ("reason", "name", "type", "position")


@dataclass(frozen=True)
class MatchResult:
    segments: tuple[SegmentResult, ...]
    key: Any = None  # the caller's handle on the template (its id)
    reasons: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def score(self) -> tuple[int, int]:
        """More parts fitting is a better explanation; ties go to fewer parts failing."""
        good = sum(1 for s in self.segments if s.ok)
        bad = sum(1 for s in self.segments if s.ok is False)
        return good, -bad


def _find(segment: Fixed, body: str, start: int, *, after_variable: bool,
          last: bool) -> re.Match[str] | None:
    if not after_variable:
        return segment.pattern.match(body, start)
    if last:
        return segment.tail.search(body, start)
    return segment.pattern.search(body, start)


def _align(template: CompiledTemplate, body: str) -> tuple[list[SegmentResult], dict[int, str]]:
    """Fixed parts located left to right; variables get the text between them."""
    results: list[SegmentResult] = []
    values: dict[int, str] = {}
    position, pending = 0, None
    for index, segment in enumerate(template.segments, start=1):
        if isinstance(segment, Variable):
            pending = index
            continue
        last = index == len(template.segments)
        found = _find(segment, body, position, after_variable=pending is not None, last=last)
        if found is None:
            results.append(SegmentResult(index, "fixed", False, "fixed_text_mismatch",
                                         position=position))
            return results, values
        if pending is not None:
            values[pending] = body[position:found.start()]
        results.append(SegmentResult(index, "fixed", True, position=found.start()))
        position, pending = found.end(), None
    if pending is not None:
        values[pending] = body[position:]
    elif _TRAILING.match(body, position) is None:
        results.append(SegmentResult(len(template.segments) + 1, "fixed", False,
                                     "fixed_text_mismatch", position=position))
    return results, values


def _unreached(index: int, segment: Fixed | Variable) -> SegmentResult:
    if isinstance(segment, Variable):
        return SegmentResult(index, "variable", None, name=segment.name, type=segment.type)
    return SegmentResult(index, "fixed", None)


def _variables(template: CompiledTemplate, values: dict[int, str]) -> list[SegmentResult]:
    results = []
    for index, segment in enumerate(template.segments, start=1):
        if not isinstance(segment, Variable):
            continue
        if index not in values:
            results.append(_unreached(index, segment))
            continue
        reason = check_value(segment, values[index].strip(), template.allowed_domains)
        results.append(SegmentResult(index, "variable", reason is None, reason,
                                     segment.name, segment.type))
    return results


def match_message(template: CompiledTemplate, message: str, key: Any = None) -> MatchResult:
    return match_split(template, *split_signature(message), key)


def match_split(template: CompiledTemplate, signature: str | None, body: str,
                key: Any = None) -> MatchResult:
    """`match_message` on a message already split (and normalised) by `split_signature`."""
    if signature != template.signature:
        head = SegmentResult(0, "signature", False, "signature_mismatch", position=0)
        rest = [_unreached(i, s) for i, s in enumerate(template.segments, start=1)]
        return MatchResult((head, *rest), key, ("signature_mismatch",))
    fixed_results, values = _align(template, body)
    parts = [*fixed_results, *_variables(template, values)]
    reached = {s.index for s in parts}
    parts += [_unreached(i, s) for i, s in enumerate(template.segments, start=1)
              if i not in reached]
    parts.sort(key=lambda s: s.index)
    reasons = tuple(dict.fromkeys(s.reason for s in parts if s.reason))
    return MatchResult((SegmentResult(0, "signature", True), *parts), key, reasons)


def best_match(candidates: Sequence[tuple[Any, CompiledTemplate]],
               message: str) -> MatchResult | None:
    """The first template that fits, else the one whose explanation gets furthest.

    The reference: it tries every template in turn. The send check uses `TemplateIndex`
    (index.py), which answers the same, and tests hold the two to that."""
    best: MatchResult | None = None
    for key, template in candidates:
        result = match_message(template, message, key)
        if result.ok:
            return result
        if best is None or result.score > best.score:
            best = result
    return best
