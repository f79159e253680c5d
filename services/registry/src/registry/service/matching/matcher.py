"""Align a message with a compiled template and say, part by part, what fits and what fails.

Alignment never backtracks: each fixed segment is found at the earliest place after the
previous one (the last one must end the message), so a check costs O(message × template)
whatever the caller sends.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from registry.service.matching.normalize import split_signature
from registry.service.matching.template import CompiledTemplate, Fixed, Segment, Variable
from registry.service.matching.variables import check_value, fits

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
    return fit_whole(template.whole, body, spaced)


def fit_whole(whole: "Whole", body: str, spaced: bool) -> tuple[int, ...] | None:
    """`fit` of the template whose `whole` this is."""
    found = (whole.pattern if spaced else whole.compact).match(body)
    if found is None:
        return None
    checks = whole.fits
    for at, group in enumerate(whole.variable_groups):
        if not checks[at](found.group(group).strip()):
            return None
    return tuple([found.start(group) for group in whole.fixed_groups])


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


class Whole:
    """A template's body as one pattern that matches exactly the bodies `_align` (matcher.py)
    walks without a failing part, with groups for the fixed parts' places and the variables'
    values.

    `_align` finds each fixed part at the earliest place it occurs after the previous one and
    never goes back; a variable then followed by fixed text is written as an atomic group,
    `(?>(.*?)(fixed))`: the lazy group stops at the earliest place the fixed text is found,
    and nothing after can make it try a later one. The last fixed part must end the body
    (`(.*?)(fixed)\\s*\\Z`: its earliest place that does); a variable at the end takes the
    rest. Fixed text at the start is matched where it stands. Nothing else can backtrack
    (fixed text holds no whitespace, so `\\s*` before it has one way to match).

    `compact` is the same pattern without any `\\s*`: in a body with no whitespace each of
    them can only match nothing, so there it matches as `pattern` does, with the same groups
    in the same places, at half the cost (most messages hold no whitespace at all)."""

    def __init__(self, pattern: re.Pattern[str], compact: re.Pattern[str],
                 fixed_groups: tuple[int, ...], variable_groups: tuple[int, ...],
                 fits: tuple[Callable[[str], bool], ...]) -> None:
        self.pattern, self.compact, self.fixed_groups = pattern, compact, fixed_groups
        # Per variable, its group and whether a value fits: `check_value(...) is None` of
        # it, stripped. (A compiled class: `fit` reads each field straight from the object.)
        self.variable_groups, self.fits = variable_groups, fits


# One `Whole` per distinct body (its parts and allowed domains, which are all it is made
# from), as `_pattern` keeps one pattern: a sub-port's templates are often another's too (an
# enterprise registers the same ones on each of its sub-ports; a verification code reads
# alike everywhere), and a check then reads one object that is already in the CPU's caches.
@lru_cache(maxsize=65536)
def whole(segments: tuple[Segment, ...], allowed_domains: tuple[str, ...]) -> Whole:
    parts: list[str] = []
    compact: list[str] = []
    fixed_groups: list[int] = []
    variable_groups: list[int] = []
    group, after_variable, last = 0, False, len(segments) - 1
    for at, segment in enumerate(segments):
        if isinstance(segment, Variable):
            after_variable = True
            continue
        end = r"\s*\Z" if at == last else ""
        for out, source, ending in ((parts, segment.pattern.pattern, end),
                                    (compact, re.escape(segment.text), end and r"\Z")):
            if after_variable:
                out.append(f"(.*?)({source}){ending}" if ending else f"(?>(.*?)({source}))")
            else:
                out.append(f"({source}){ending}")
        if after_variable:
            variable_groups.append(group + 1)
            group += 2
        else:
            group += 1
        fixed_groups.append(group)
        after_variable = False
    if after_variable:
        variable_groups.append(group + 1)
        parts.append(r"(.*)\Z")
        compact.append(r"(.*)\Z")
    elif not segments:
        parts.append(r"\s*\Z")
        compact.append(r"\Z")
    variables = [s for s in segments if isinstance(s, Variable)]
    return Whole(_pattern("".join(parts)), _pattern("".join(compact)), tuple(fixed_groups),
                 tuple(variable_groups), tuple(fits(variable, allowed_domains)
                                               for variable in variables))


@lru_cache(maxsize=65536)
def _pattern(source: str) -> re.Pattern[str]:
    """One compiled pattern per distinct body: templates of many sub-ports share theirs."""
    return re.compile(source, re.DOTALL)
