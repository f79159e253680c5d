"""Schemas for templates, send checks and mo messages (R4, R5, R6)."""

import datetime as dt
import json
import re
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


_CHECK_KEYS = frozenset(Check._fields)


def _plain_check(item: object) -> Check | None:
    if item.__class__ is not dict or item.keys() != _CHECK_KEYS:
        return None
    sub_port, recipient, content = item["sub_port"], item["recipient"], item["content"]
    for value, limit in ((sub_port, NUMBER_MAX), (recipient, NUMBER_MAX)):
        # Nothing strip_whitespace would remove (else pydantic reads it, and strips).
        if value.__class__ is not str or not 0 < len(value) <= limit \
                or value[0].isspace() or value[-1].isspace():
            return None
    if content.__class__ is not str or not 0 < len(content) <= CONTENT_MAX:
        return None
    return Check(sub_port, recipient, content)


def plain_checks(raw: bytes, *, batch: bool) -> list[Check] | None:
    """The checks of a body that plainly keeps `SendCheckIn`'s (or `SendCheckBatchIn`'s)
    rules, read by the standard library's JSON reader; None for anything else (a wrong type,
    whitespace to strip, a length past a limit, a lone surrogate, not UTF-8...): pydantic
    then reads that body and answers exactly as it always has. The gateways' batches never
    need pydantic."""
    try:  # UTF-8 only, as pydantic reads (json.loads would guess UTF-16 or UTF-32 from bytes)
        body = json.loads(raw.decode())
    except ValueError:
        return None
    if not batch:
        found = _plain_check(body)
        return None if found is None or _surrogates(raw, [found]) else [found]
    if body.__class__ is not dict or body.keys() != {"checks"}:
        return None
    items = body["checks"]
    if items.__class__ is not list or not 0 < len(items) <= BATCH_MAX:
        return None
    checks = [_plain_check(item) for item in items]
    if None in checks or _surrogates(raw, checks):  # type: ignore[arg-type]
        return None
    return checks  # type: ignore[return-value]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogates(raw: bytes, checks: list[Check]) -> bool:
    """A lone surrogate (`\\ud800`) pydantic refuses; json.loads would read it. Only a \\u
    escape can write one in UTF-8 text, so the texts are searched only when one may."""
    if b"\\ud" not in raw and b"\\uD" not in raw:
        return False
    return any(_SURROGATE.search(text) for check in checks for text in check)


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
