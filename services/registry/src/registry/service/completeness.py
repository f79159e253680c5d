"""What a complete sub-port record holds (R1, R2): ONE list of named conditions, each said
twice side by side, in Python (for one record in hand) and in SQL (for set queries over
SubPort outer-joined to its Handler). Activation, `missing`, `backfill`, the back-fill
report, queue and deadline sweep all read this list; a new requirement is one more entry.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, not_, or_

from registry.models import Handler, SubPort
from registry.service.agreements import service_agreement
from registry.service.inaccuracies import PREFIX, flagged_sql
from registry.service.surroundings import Around

REQUIRED = ("business_type", "purpose", "machine_room", "equipment")


class Record(Protocol):
    """A sub-port as a model row or as read (SubPortRead): the fields the checks look at."""

    user_unit_uscc: str | None
    business_type: str | None
    purpose: str | None
    machine_room: str | None
    equipment: str | None


@dataclass(frozen=True, slots=True)
class Facts:
    """One sub-port and what is known around it. `handler_status`: its handler's
    verification status, None when it has no handler. `extra`: room for facts later
    conditions need (open inaccuracy flags, agreements), loaded by whoever adds them."""

    sub: Record
    handler_status: str | None
    extra: Any = None


@dataclass(frozen=True, slots=True)
class Condition:
    """`code` is missing when `lacks(facts)`; `sql()` is the same test as a WHERE clause.
    `codes`, when set, names what is missing more precisely (`accurate:<field>`)."""

    code: str
    lacks: Callable[[Facts], bool]
    sql: Callable[[], ColumnElement[bool]]
    codes: Callable[[Facts], list[str]] | None = None


def around(facts: Facts) -> Around:
    """The agreement and flags of the sub-port; a caller that did not load them is a bug,
    not an incomplete record."""
    if not isinstance(facts.extra, Around):
        raise TypeError("completeness needs Facts.extra = service.surroundings.Around")
    return facts.extra


def _blank(column: Any) -> ColumnElement[bool]:
    return or_(column.is_(None), column == "")


def _field(name: str) -> Condition:
    return Condition(name, lambda f: not getattr(f.sub, name),
                     lambda: _blank(getattr(SubPort, name)))


CONDITIONS: list[Condition] = [
    Condition("user_unit", lambda f: not f.sub.user_unit_uscc,
              lambda: _blank(SubPort.user_unit_uscc)),
    Condition("handler", lambda f: f.handler_status is None, lambda: Handler.id.is_(None)),
    Condition("handler_verified",
              lambda f: f.handler_status not in (None, "verified"),
              lambda: Handler.verification_status != "verified"),
    *(_field(name) for name in REQUIRED),
    # R4: the user of a port must be its contract signer.
    Condition("service_agreement", lambda f: not around(f).service_agreement,
              lambda: not_(service_agreement())),
    # 核查不准确: a field found wrong that still holds the value found wrong.
    Condition("accurate", lambda f: bool(around(f).inaccurate), flagged_sql,
              lambda f: [PREFIX + field for field in sorted(around(f).inaccurate)]),
]


# A code that stands for others not yet asked about: without a handler, its verification
# is not missing yet; naming an unverified handler is progress, not a loss.
COVERS = {"handler": frozenset({"handler_verified"})}


def newly_missing(before: list[str], after: list[str]) -> list[str]:
    """What `after` lacks that `before` did not (a live record may be completed step by step
    but never made less complete)."""
    covered = set(before).union(*(COVERS.get(code, ()) for code in before))
    return [code for code in after if code not in covered]


def missing(facts: Facts) -> list[str]:
    """Codes of what the record lacks, in CONDITIONS order; empty when complete."""
    out: list[str] = []
    for c in CONDITIONS:
        if c.lacks(facts):
            out.extend(c.codes(facts) if c.codes else [c.code])
    return out


def incomplete() -> ColumnElement[bool]:
    """`missing(...) != []` in SQL (never NULL: each branch is true or false for a row)."""
    return or_(false(), *(c.sql() for c in CONDITIONS))


def complete() -> ColumnElement[bool]:
    return not_(incomplete())
