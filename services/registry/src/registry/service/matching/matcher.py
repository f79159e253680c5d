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


@dataclass(slots=True)
class SegmentResult:
    """One part's result. Not frozen: a refused message's explanation makes one per part, and
    a frozen dataclass costs three times as much to make (each field set through
    object.__setattr__); nothing changes one once made."""

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

    def segment_dicts(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self.segments]


_SIGNATURE_OK = {"index": 0, "part": "signature", "ok": True}


class Fit:
    """A message that fits its template: what `match_split` answers for it (ok, no reasons,
    every part fitting) without building its explanation until an answer shows it."""

    __slots__ = ("_template", "key", "memo", "order", "positions")
    ok = True
    reasons: tuple[str, ...] = ()

    def __init__(self, key: Any, template: CompiledTemplate, positions: tuple[int, ...],
                 memo: list[Any] | None = None, order: int = 0) -> None:
        self.key, self._template, self.positions = key, template, positions
        # `memo[order]`: where a caller keeps what it derives from this template (the
        # answer's text around the positions), dropped with the template's index.
        self.memo, self.order = memo if memo is not None else [None], order

    @property
    def template(self) -> CompiledTemplate:
        return self._template

    def segment_dicts(self) -> list[dict[str, Any]]:
        """`match_split(...).segment_dicts()` of this message, from the fixed parts' places."""
        found: list[dict[str, Any]] = [_SIGNATURE_OK]
        positions = iter(self.positions)
        for index, segment in enumerate(self._template.segments, start=1):
            if segment.__class__ is Variable:
                found.append({"index": index, "part": "variable", "ok": True,
                              "name": segment.name, "type": segment.type})
            else:
                found.append({"index": index, "part": "fixed", "ok": True,
                              "position": next(positions)})
        return found

    @property
    def segments(self) -> tuple[SegmentResult, ...]:
        return tuple(SegmentResult(**d) for d in self.segment_dicts())

    @property
    def score(self) -> tuple[int, int]:
        return len(self._template.segments) + 1, 0


class Miss:
    """A message its template does not fit: what `match_split` answers for it, kept as the
    few values its parts are made from. A refused message is scored against each template
    it may fit (index.py) but explained by one, so the parts are made (`segments`, or
    written straight as text by the send check) only for that one.

    `positions`: the places of the fixed parts found, in order; `stop`: the index of the
    fixed part that failed (0: the signature; one past the last part: text after the end;
    None: none did), `at` where it was expected; `checks`: each reached variable's reason
    (None: it fits). The parts reached come first: a variable is reached when the fixed part
    after it is found (or it ends the template and every fixed part is found)."""

    __slots__ = ("at", "checks", "key", "memo", "order", "positions", "stop", "template")
    ok = False

    def __init__(self, key: Any, template: CompiledTemplate, positions: list[int],
                 stop: int | None, at: int, checks: list[str | None],
                 memo: list[Any] | None = None, order: int = 0) -> None:
        self.key, self.template = key, template
        self.positions, self.stop, self.at, self.checks = positions, stop, at, checks
        self.memo, self.order = memo if memo is not None else [None], order  # as `Fit.memo`

    @property
    def score(self) -> tuple[int, int]:
        fitting = self.checks.count(None)
        good = (self.stop != 0) + len(self.positions) + fitting
        return good, -((self.stop is not None) + len(self.checks) - fitting)

    @property
    def reasons(self) -> tuple[str, ...]:
        if self.stop == 0:
            return ("signature_mismatch",)
        if not self.checks:
            return ("fixed_text_mismatch",)
        found = tuple(dict.fromkeys(r for r in self.checks if r is not None))
        return found if self.stop is None else (*found, "fixed_text_mismatch")

    @property
    def segments(self) -> tuple[SegmentResult, ...]:
        """`match_split(...).segments` of this message."""
        if self.stop == 0:
            return _unsigned(self.template)
        parts = [SegmentResult(0, "signature", True)]
        fixed = reached = 0
        for index, segment in enumerate(self.template.segments, start=1):
            if isinstance(segment, Variable) and reached < len(self.checks):
                reason = self.checks[reached]
                parts.append(SegmentResult(index, "variable", reason is None, reason,
                                           segment.name, segment.type))
                reached += 1
            elif isinstance(segment, Fixed) and fixed < len(self.positions):
                parts.append(SegmentResult(index, "fixed", True, position=self.positions[fixed]))
                fixed += 1
            else:
                parts.append(self._failed(index) if index == self.stop
                             else _unreached(index, segment))
        if self.stop is not None and self.stop > len(self.template.segments):  # text after
            parts.append(self._failed(self.stop))
        return tuple(parts)

    def _failed(self, index: int) -> SegmentResult:
        return SegmentResult(index, "fixed", False, "fixed_text_mismatch", position=self.at)

    def segment_dicts(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self.segments]


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


def fit(template: CompiledTemplate, body: str, *, spaced: bool = True) -> tuple[int, ...] | None:
    """The fixed parts' places when `match_split` finds the message (of the template's
    signature) ok, else None: the template's whole pattern (`Whole`: the parts `_align` would
    find, in one match), then every variable checked as `_variables` checks it. `spaced`:
    whether the body may hold whitespace (False only when it holds none: `unspaced`)."""
    whole = template.whole
    found = (whole.pattern if spaced else whole.compact).match(body)
    if found is None:
        return None
    for group, fits in whole.variables:
        if not fits(found.group(group).strip()):
            return None
    return tuple(map(found.start, whole.fixed_groups))


def _unreached(index: int, segment: Fixed | Variable) -> SegmentResult:
    if isinstance(segment, Variable):
        return SegmentResult(index, "variable", None, name=segment.name, type=segment.type)
    return SegmentResult(index, "fixed", None)


def _unsigned(template: CompiledTemplate) -> tuple[SegmentResult, ...]:
    """The parts of a message of another signature: none is reached."""
    head = SegmentResult(0, "signature", False, "signature_mismatch", position=0)
    return head, *(_unreached(i, s) for i, s in enumerate(template.segments, start=1))


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
        return MatchResult(_unsigned(template), key, ("signature_mismatch",))
    fixed_results, values = _align(template, body)
    parts = [*fixed_results, *_variables(template, values)]
    reached = {s.index for s in parts}
    parts += [_unreached(i, s) for i, s in enumerate(template.segments, start=1)
              if i not in reached]
    parts.sort(key=lambda s: s.index)
    reasons = tuple(dict.fromkeys(s.reason for s in parts if s.reason))
    return MatchResult((SegmentResult(0, "signature", True), *parts), key, reasons)


def miss(template: CompiledTemplate, signature: str | None, body: str, key: Any = None,
         memo: list[Any] | None = None, order: int = 0) -> Miss:
    """`match_split` of a message (split and normalised) its template does not fit (`fit`
    found none), as a `Miss`: `_align`'s walk, keeping only the places it finds."""
    if signature != template.signature:
        return Miss(key, template, [], 0, 0, [], memo, order)
    positions: list[int] = []
    values: list[str] = []
    position, pending, segments = 0, False, template.segments
    stop: int | None = None
    for index, segment in enumerate(segments, start=1):
        if isinstance(segment, Variable):
            pending = True
            continue
        found = _find(segment, body, position, after_variable=pending,
                      last=index == len(segments))
        if found is None:
            stop = index
            break
        if pending:
            values.append(body[position:found.start()])
        positions.append(found.start())
        position, pending = found.end(), False
    else:
        if pending:
            values.append(body[position:])
        elif _TRAILING.match(body, position) is None:
            stop = len(segments) + 1
    checks = [check_value(variable, value.strip(), template.allowed_domains)
              for variable, value in zip(template.variables, values, strict=False)
              ] if values else []
    return Miss(key, template, positions, stop, position, checks, memo, order)


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
