"""Schemas for templates, send checks and mo messages (R4, R5, R6)."""

import datetime as dt
import operator
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal, NamedTuple

import msgspec
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


class _Plain(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """`SendCheckIn`'s rules as msgspec states them (the three keys and no other, strings
    only, the same lengths in characters); `plain_checks` adds strip_whitespace's. Not
    tracked by the garbage collector (gc=False): strings only, no cycle possible."""

    sub_port: Annotated[str, msgspec.Meta(min_length=1, max_length=NUMBER_MAX)]
    recipient: Annotated[str, msgspec.Meta(min_length=1, max_length=NUMBER_MAX)]
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=CONTENT_MAX)]


class _PlainBatch(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    checks: Annotated[list[_Plain], msgspec.Meta(min_length=1, max_length=BATCH_MAX)]


_READ_ONE, _READ_BATCH = msgspec.json.Decoder(_Plain), msgspec.json.Decoder(_PlainBatch)
_SUB_PORT, _RECIPIENT, _CONTENT = map(operator.attrgetter, Check._fields)
_CHECK: Callable[[tuple[str, str, str]], Check] = partial(tuple.__new__, Check)


def plain_checks(raw: bytes, *, batch: bool) -> list[Check] | None:
    """The checks of a body that plainly keeps `SendCheckIn`'s (or `SendCheckBatchIn`'s)
    rules, decoded by msgspec straight into typed objects (in C, about twice as fast as
    `json.loads` and a check per column); None for anything else (a wrong type, an unknown or
    missing key, a length past a limit, whitespace to strip, a lone surrogate, not UTF-8, a
    BOM, trailing data...): pydantic then reads that body and answers exactly as it always
    has. The gateways' batches never need pydantic.

    msgspec reads JSON as pydantic does where it accepts (UTF-8 only, a duplicate key's last
    value; lone surrogates, NaN and anything after the value refused) and never descends
    past the schema's two levels; tests/test_send_check_body.py holds the two together."""
    try:
        items = _READ_BATCH.decode(raw).checks if batch else [_READ_ONE.decode(raw)]
    except msgspec.DecodeError:  # ValidationError included
        return None
    sub_ports, recipients = list(map(_SUB_PORT, items)), list(map(_RECIPIENT, items))
    # Nothing strip_whitespace would remove (else pydantic reads it, and strips): str.strip
    # removes every character Rust's trim does, and more (the tests hold this).
    if list(map(str.strip, sub_ports)) != sub_ports \
            or list(map(str.strip, recipients)) != recipients:
        return None
    return list(map(_CHECK, zip(sub_ports, recipients, map(_CONTENT, items), strict=True)))


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
