"""Ports, sub-ports, their transitions and versions, and sanction reviews."""

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from porttrust_shared.fields import IsoDateTime
from porttrust_shared.pii import OptionalScrubbedText, ScrubbedData, ScrubbedText
from registry.schemas.fields import (
    Amount,
    BusinessType,
    Forbid,
    Importance,
    PortNumber,
    Province,
    Scope,
    Text200,
    Text500,
    Uscc,
)


class PortCreate(BaseModel):
    model_config = Forbid
    number: PortNumber
    holder_uscc: Uscc
    province: Province
    scope: Scope
    agreement_signed_at: IsoDateTime | None = None
    resource_certificate_ref: Text200 | None = None


class PortUpdate(BaseModel):
    """Only the fields sent change; the number and holder never do (register anew)."""

    model_config = Forbid
    scope: Scope | None = None
    resource_certificate_ref: Text200 | None = None


class PortRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: str
    holder_uscc: str
    province: str
    scope: str
    port_class: str
    agreement_signed: bool
    agreement_signed_at: dt.datetime | None
    resource_certificate_ref: str | None
    version: int
    created_at: dt.datetime


class NumberRead(BaseModel):
    """A number as registry knows it: the registered port or sub-port it matches."""

    number: str = Field(description="The registered port or sub-port (longest match).")
    kind: Literal["port", "sub_port"]
    province: str


class SubPortFields(BaseModel):
    model_config = Forbid
    user_unit_uscc: Uscc | None = None
    handler_id: Annotated[str, StringConstraints(max_length=32)] | None = None
    business_type: BusinessType | None = None
    purpose: Text500 | None = None
    machine_room: Text200 | None = None
    equipment: Text200 | None = None
    monthly_volume: Amount | None = None
    value_contribution: Amount | None = None
    customer_importance: Importance | None = None


class SubPortCreate(SubPortFields):
    number: PortNumber
    province: Province


class SubPortUpdate(SubPortFields):
    """Only the fields sent are changed; null is not a value here."""


class Backfill(BaseModel):
    """Where a sub-port stands in its province's back-fill campaign (R2)."""

    state: Literal["pending", "complete", "overdue"] = Field(
        default="complete", description="complete: nothing missing; pending: something "
        "missing, the province's deadline not passed (or no campaign); overdue: missing "
        "and the deadline passed.")
    missing: list[str] = Field(default_factory=list)


class SubPortRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: str
    port_number: str
    province: str
    status: str
    status_reason: OptionalScrubbedText
    user_unit_uscc: str | None
    handler_id: str | None
    business_type: str | None
    purpose: OptionalScrubbedText
    machine_room: OptionalScrubbedText
    equipment: OptionalScrubbedText
    monthly_volume: int | None
    value_contribution: int | None
    customer_importance: int | None
    whitelisted: bool
    missing: list[str] = Field(default_factory=list, description="What activation still needs.")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    # Last: GET renders the body before it and adds this when it answers (it moves with time).
    backfill: Backfill = Field(default_factory=Backfill)


class TransitionIn(BaseModel):
    model_config = Forbid
    reason: Text500


class ActivateIn(BaseModel):
    model_config = Forbid
    reason: Text500 = "activated"


class TransitionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_status: str
    to_status: str
    reason: ScrubbedText
    actor: str
    at: dt.datetime


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    entity: str
    key: str
    version: int
    actor: str
    at: dt.datetime
    changed: list[str]
    snapshot: ScrubbedData


class SanctionReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    sub_port_number: str
    province: str
    blacklist_id: str
    subject_kind: str
    reason: OptionalScrubbedText
    created_at: dt.datetime
    status: Literal["open", "decided"]
    decision: Literal["keep_active", "suspend"] | None = None
    decision_reason: OptionalScrubbedText = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None


class SanctionDecision(BaseModel):
    model_config = Forbid
    decision: Literal["keep_active", "suspend"]
    reason: Text500
