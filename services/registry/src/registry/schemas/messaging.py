"""Schemas for templates, send checks and mo messages (R4, R5, R6)."""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from porttrust_shared.fields import Iso8601
from porttrust_shared.pii import OptionalScrubbedText, ScrubbedText
from registry.schemas.fields import BusinessType, Forbid, Mobile

TemplateText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=1000)]
Domain = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3,
                                          max_length=253,
                                          pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Content = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Recipient = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=32)]
SubPortNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=32)]
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
    recipient: str = Field(description="Masked, e.g. 138****5678.")
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
    checks: list[SendCheckIn] = Field(min_length=1, max_length=1000)


class SendCheckBatchRead(BaseModel):
    results: list[SendCheckRead]


class MoMessageIn(BaseModel):
    model_config = Forbid
    sub_port: SubPortNumber
    sender: Mobile
    text: Annotated[str, StringConstraints(max_length=2000)]
    received_at: Annotated[AwareDatetime, Iso8601]


class MoMessageRead(BaseModel):
    id: str
    sub_port: str
    sender: str = Field(description="Masked, e.g. 138****5678.")
    opt_out: bool
    keyword: str | None = Field(description="The keyword or phrase that made it an opt-out.")
    undecided: bool = Field(False, description="Unclear to the rules: kept for a person.")
    received_at: dt.datetime
