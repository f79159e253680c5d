"""Schemas for templates, send checks and mo messages (R4, R5, R6)."""

import datetime as dt
import json
import operator
from collections.abc import Callable
from functools import partial
from itertools import chain
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from porttrust_shared.fields import Iso8601
from porttrust_shared.pii import OptionalScrubbedText, ScrubbedText
from registry.schemas.fields import BusinessType, Forbid, MaskedPhone, Mobile

TemplateText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=1000)]
Domain = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3,
                                          max_length=253,
                                          pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
CONTENT_MAX, NUMBER_MAX, BATCH_MAX = 2000, 32, 1000
Content = Annotated[str, StringConstraints(min_length=1, max_length=CONTENT_MAX)]
Recipient = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=NUMBER_MAX)]
SubPortNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=NUMBER_MAX)]
TemplateStatus = Literal["pending", "approved", "rejected"]


class TemplateCreate(BaseModel):
    model_config = Forbid
    text: TemplateText = Field(description="【signature】 then fixed text with {name:type[:max]}")
    kind: BusinessType
    allowed_domains: list[Domain] = Field(default_factory=list, max_length=20)


class VariableRead(BaseModel):
    name: str
    type: str
    max: int


class TemplateRead(BaseModel):
    id: str
    sub_port: str
    text: ScrubbedText
    kind: str
    signature: ScrubbedText
    variables: list[VariableRead]
    fixed_chars: int
    allowed_domains: list[str]
    status: str = Field(description="pending, approved or rejected")
    created_by: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: OptionalScrubbedText
    version: int


class ApproveIn(BaseModel):
    model_config = Forbid
    reason: Reason | None = None


class RejectIn(BaseModel):
    model_config = Forbid
    reason: Reason


class SendCheckIn(BaseModel):
    model_config = Forbid
    sub_port: SubPortNumber
    recipient: Recipient
    content: Content


class SendCheckRead(BaseModel):
    sub_port: str
    recipient: MaskedPhone
    allowed: bool
    enforced: bool = Field(description=(
        "False when a template refusal was waived: a pending live sub-port during its "
        "province's back-fill campaign (allowed, reasons say what would have failed)."))
    reasons: list[str]
    template_id: str | None
    explanation: dict[str, Any] | None = Field(
        description="The best-matching template's result, part by part.")


class SendCheckBatchIn(BaseModel):
    model_config = Forbid
    checks: list[SendCheckIn] = Field(min_length=1, max_length=BATCH_MAX)


class SendCheckBatchRead(BaseModel):
    results: list[SendCheckRead]


class Check(NamedTuple):
    """A `SendCheckIn` read by `plain_checks`: the same three values, without a model."""

    sub_port: str
    recipient: str
    content: str


_FIELDS = operator.itemgetter(*Check._fields)
_CHECK: Callable[[tuple[str, str, str]], Check] = partial(tuple.__new__, Check)


def _plain(items: list[Any]) -> list[Check] | None:
    """The items as `Check`s when each is an object of exactly the three keys whose values
    pydantic would take as they are, else None; judged column by column (a batch is a
    thousand), each rule as `SendCheckIn` states it."""
    try:  # every item an object with the three keys (anything else is not subscriptable)
        rows = list(map(_FIELDS, items))
    except (KeyError, TypeError):
        return None
    if set(map(len, items)) != {3}:  # and no other key
        return None
    sub_ports, recipients, contents = zip(*rows, strict=True)
    for column in (sub_ports, recipients):
        # Nothing strip_whitespace would remove (else pydantic reads it, and strips).
        if not _strings(column, NUMBER_MAX) or tuple(map(str.strip, column)) != column:
            return None
    if not _strings(contents, CONTENT_MAX):
        return None
    return list(map(_CHECK, rows))


def _strings(column: tuple[Any, ...], limit: int) -> bool:
    """Every value a string of 1 to `limit` characters."""
    return set(map(type, column)) == {str} and min(map(len, column)) > 0 \
        and max(map(len, column)) <= limit


def plain_checks(raw: bytes, *, batch: bool) -> list[Check] | None:
    """The checks of a body that plainly keeps `SendCheckIn`'s (or `SendCheckBatchIn`'s)
    rules, read by the standard library's JSON reader; None for anything else (a wrong type,
    whitespace to strip, a length past a limit, a lone surrogate, not UTF-8, nesting past the
    reader's depth...): pydantic then reads that body and answers exactly as it always has.
    The gateways' batches never need pydantic."""
    try:  # UTF-8 only, as pydantic reads (json.loads would guess UTF-16 or UTF-32 from bytes)
        body = json.loads(raw.decode())
    except (ValueError, RecursionError):
        return None
    if batch:
        if body.__class__ is not dict or body.keys() != {"checks"}:
            return None
        items = body["checks"]
        if items.__class__ is not list or not 0 < len(items) <= BATCH_MAX:
            return None
    else:
        items = [body]
    checks = _plain(items)
    return None if checks is None or _surrogates(raw, checks) else checks


def _surrogates(raw: bytes, checks: list[Check]) -> bool:
    """A lone surrogate (`\\ud800`) pydantic refuses; json.loads would read it. Only a \\u
    escape can write one in UTF-8 text; when the body has any, the texts are written as UTF-8
    (which can write every code point but those) once, all together: cheaper than searching
    a body of escapes for `\\ud`."""
    if b"\\u" not in raw:
        return False
    try:
        "".join(chain.from_iterable(checks)).encode()
    except UnicodeEncodeError:
        return True
    return False


class MoMessageIn(BaseModel):
    model_config = Forbid
    sub_port: SubPortNumber
    sender: Mobile
    text: Annotated[str, StringConstraints(max_length=2000)]
    received_at: Annotated[AwareDatetime, Iso8601]


class MoMessageRead(BaseModel):
    id: str
    sub_port: str
    sender: MaskedPhone
    opt_out: bool
    keyword: str | None = Field(description="The keyword or phrase that made it an opt-out.")
    undecided: bool = Field(False, description="Unclear to the rules: kept for a person.")
    received_at: dt.datetime
