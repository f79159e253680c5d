"""Every template of one sub-port compiled into one matcher: `best_match`'s answer without
trying each template in turn.

A template can only fit a message with its own signature, and, when its body starts with fixed
text, only a message whose body (whitespace aside) starts with that text. So the templates are
indexed by signature and by the first `PREFIX` characters of their first fixed part; a message
is aligned only with the templates its signature and first characters select, in the order
`best_match` would try them. When none fits, the explanation `best_match` gives is still found
without trying all: a template of another signature explains less than any of the message's
signature, and every unselected template of the message's signature fails its first part at
position 0, so they explain equally well and only the earliest of them can be chosen.

What a signature's templates select by, and the pattern each is fitted with, depend on their
bodies and places alone, so indexes whose templates read alike (an enterprise registers the
same ones on each of its sub-ports, with one signature) share one `_Signature`: a check then
reads a selection already in the CPU's caches rather than its sub-port's own copy, which a
batch spread over a thousand sub-ports finds in memory (a third of the usual pass's time).
"""

from collections.abc import Sequence
from typing import Any
from weakref import WeakValueDictionary

from registry.service.matching.matcher import Fit, Miss, Whole, fit_whole, miss
from registry.service.matching.normalize import WHITESPACE, signature_of, unspaced
from registry.service.matching.template import CompiledTemplate, Fixed, Shared

PREFIX = 16  # characters of a first fixed part the index keys on
SHORT = 4  # the dictionary's key: a first fixed part's first SHORT characters
_HEAD = 64  # characters of a body squeezed to read its first PREFIX non-blank ones


class _Signature:
    """The templates of one signature, by position in the sub-port's order (`size`: past the
    last one's)."""

    def __init__(self, size: int) -> None:
        self.orders: list[int] = []
        # Each template's `whole`, kept here on its first use (equal for every index sharing
        # this selection: they are made from the same bodies).
        self.wholes: list[Whole | None] = [None] * size
        self.unkeyed: list[int] = []  # the body starts with a variable (or is empty)
        # First SHORT characters → (the first PREFIX characters of the first parts that start
        # so, their orders), shortest first: a body's head is compared with each by
        # `startswith` (no slice to make, no hash to take). First parts shorter than SHORT by
        # length → text → orders.
        self.keyed: dict[str, list[tuple[str, list[int]]]] = {}
        self.short: dict[int, dict[str, list[int]]] = {}

    def add(self, order: int, template: CompiledTemplate) -> None:
        self.orders.append(order)
        first = template.segments[0] if template.segments else None
        if not isinstance(first, Fixed):
            self.unkeyed.append(order)
            return
        prefix = first.text[:PREFIX]
        if len(prefix) < SHORT:
            self.short.setdefault(len(prefix), {}).setdefault(prefix, []).append(order)
            return
        prefixes = self.keyed.setdefault(prefix[:SHORT], [])
        for known, orders in prefixes:
            if known == prefix:
                orders.append(order)
                return
        prefixes.append((prefix, [order]))
        prefixes.sort(key=lambda kept: len(kept[0]))

    def selected(self, body: str) -> list[int]:
        """The templates that may fit `body`, in order; every other one fails at once. (The
        list may be the index's own: callers read it, never change it.)"""
        head = body[:_HEAD]
        if not unspaced(head):
            head = WHITESPACE.sub("", head)
            if len(head) < PREFIX and len(body) > _HEAD:
                head = WHITESPACE.sub("", body)
        found, sources = self.unkeyed, 0 if not self.unkeyed else 1
        if self.short:
            for length, short in self.short.items():
                more = short.get(head[:length])
                if more is not None:
                    found, sources = found + more if sources else more, sources + 1
        keyed = self.keyed.get(head[:SHORT])
        if keyed is not None:
            size = len(head)
            for prefix, more in keyed:
                if len(prefix) > size:
                    break
                if head.startswith(prefix):
                    found, sources = found + more if sources else more, sources + 1
        # Each source is in order already; only two or more need merging.
        return sorted(found) if sources > 1 else found

    def first_unselected(self, selected: list[int]) -> int | None:
        chosen = set(selected)
        return next((order for order in self.orders if order not in chosen), None)


# Selections by what they are made of, so that equal ones are one object (see the module):
# each in a `Shared` the indexes using it hold, which the table names by a weak reference, so
# a selection (and the templates its key names) is forgotten with the last index holding it.
_SHARED: "WeakValueDictionary[tuple[Any, ...], Shared]" = WeakValueDictionary()


def _selection(members: list[tuple[int, CompiledTemplate]]) -> Shared:
    """`Shared([the _Signature of these templates])` (order, template; one signature, in
    order)."""
    key = tuple([(order, template.segments, template.allowed_domains)
                 for order, template in members])
    found = _SHARED.get(key)
    if found is None:
        selection = _Signature(members[-1][0] + 1)
        for order, template in members:
            selection.add(order, template)
        found = _SHARED[key] = Shared([selection])
    return found


class TemplateIndex:
    """Built once per version of a sub-port's templates; `best(signature, body)` is
    `best_match(candidates, message)` for a message split by `split_signature`."""

    def __init__(self, candidates: Sequence[tuple[Any, CompiledTemplate]]) -> None:
        self.candidates = list(candidates)
        self.memo: list[Any] = [None] * len(self.candidates)  # see `Fit.memo`
        self.missed: list[Any] = [None] * len(self.candidates)  # see `Miss.memo`
        members: dict[str, list[tuple[int, CompiledTemplate]]] = {}
        for order, (_, template) in enumerate(self.candidates):
            members.setdefault(template.signature, []).append((order, template))
        self._shared = [_selection(found) for found in members.values()]  # held (above)
        self._signatures: dict[str, _Signature] = {
            signature: shared[0] for signature, shared in zip(members, self._shared, strict=True)}
        # Most sub-ports send under one signature (their enterprise's): it and its selection,
        # compared before the dictionary is asked.
        self.sole: str | None = None
        self.sole_group: _Signature | None = None
        if len(self._signatures) == 1:
            [(self.sole, self.sole_group)] = self._signatures.items()

    def _miss(self, order: int, signature: str | None, body: str) -> Miss:
        key, template = self.candidates[order]
        return miss(template, signature, body, key, self.missed, order)

    def fitting_raw(self, raw: str, body: str) -> Fit | None:
        """`best(signature_of(raw), body)` when that is a template that fits, else None, for a
        signature as `split_raw` found it: most often it is one of the index's as it stands
        (so it needs no squeezing: see `split_raw`)."""
        group = self.sole_group if raw == self.sole else self._signatures.get(raw)
        if group is None:
            group = self._signatures.get(signature_of(raw))
        return None if group is None else self._first_fit(group, group.selected(body), body)

    def _first_fit(self, group: _Signature, selected: list[int], body: str) -> Fit | None:
        # Most messages fit a template: the first that fits is the answer, found without
        # explaining the ones tried before it (they fail in both walks alike).
        if not selected:
            return None
        spaced, wholes = not unspaced(body), group.wholes
        for order in selected:
            whole = wholes[order]
            if whole is None:
                whole = wholes[order] = self.candidates[order][1].whole
            positions = fit_whole(whole, body, spaced)
            if positions is not None:
                key, template = self.candidates[order]
                return Fit(key, template, positions, self.memo, order)
        return None

    def best(self, signature: str | None, body: str) -> Miss | Fit | None:
        if not self.candidates:
            return None
        group = self._signatures.get(signature) if signature is not None else None
        if group is None:  # every template fails its signature alike: the first one explains
            return self._miss(0, signature, body)
        selected = group.selected(body)
        found = self._first_fit(group, selected, body)
        if found is not None:
            return found
        # None fits: explain with the one that gets furthest (`fit` fails exactly where
        # the part-by-part walk does, so each of these is a `Miss`), its parts made only
        # when the answer is written.
        tried = [self._miss(order, signature, body) for order in selected]
        other = group.first_unselected(selected)
        if other is not None:  # it fails its first part, a fixed one, at position 0 (above)
            tried.append(Miss(*self.candidates[other], [], 1, 0, [], self.missed, other))
        if len(tried) == 1:  # most often: no template of the signature starts as it does
            return tried[0]
        # best_match keeps the earliest of the best scores.
        return max(tried, key=lambda m: (m.score, -m.order))
