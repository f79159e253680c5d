import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Re-exported: the api modules and the import take these field types from here.
from porttrust_shared.fields import IdNumber as IdNumber
from porttrust_shared.fields import IsoDateTime
from porttrust_shared.fields import PortNumber as PortNumber
from porttrust_shared.fields import Province as Province
from porttrust_shared.fields import Uscc as Uscc
from porttrust_shared.pii import OptionalScrubbedText, ScrubbedData, ScrubbedText
from porttrust_shared.validators import check_mobile

Mobile = Annotated[str, AfterValidator(check_mobile)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
OrgRole = Literal["holder", "user_unit"]
BusinessType = Literal["verification_code", "notification", "marketing"]
Scope = Literal["provincial", "national"]
# The unit's business is life safety, emergency rescue or government regulation (notice §7):
# whitelist puts it on the province's list of customers to comb.
PublicService = Literal["life_safety", "emergency_rescue", "government_regulatory"]
Amount = Annotated[int, Field(ge=0)]
Importance = Annotated[int, Field(ge=0, le=10)]
Forbid = ConfigDict(extra="forbid")


class OrganizationCreate(BaseModel):
    model_config = Forbid
    uscc: Uscc
    name: Text200
    province: Province
    roles: list[OrgRole] = Field(default_factory=list)
    contact: Text200 | None = None
    public_service: PublicService | None = None


class OrganizationUpdate(BaseModel):
    model_config = Forbid
    name: Text200 | None = None
    province: Province | None = None
    roles: list[OrgRole] | None = None
    contact: Text200 | None = None
    public_service: PublicService | None = None


class OrganizationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    uscc: str
    name: str
    province: str
    roles: list[str]
    contact: OptionalScrubbedText
    public_service: str | None = Field(
        None, description="life_safety, emergency_rescue or government_regulatory business: "
                          "a whitelist customer to comb.")
    uscc_review: bool = Field(description="Check character disagrees: needs manual review.")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class HandlerCreate(BaseModel):
    model_config = Forbid
    name: PersonName
    id_number: IdNumber
    phone: Mobile
    organization_uscc: Uscc


class HandlerUpdate(BaseModel):
    """Only the fields sent change. A new name or ID number must be verified again."""

    model_config = Forbid
    name: PersonName | None = None
    id_number: IdNumber | None = None
    phone: Mobile | None = None


class HandlerSearch(BaseModel):
    """The ID number travels in the body, never in a URL."""

    model_config = Forbid
    id_number: IdNumber


class Verification(BaseModel):
    status: Literal["unverified", "verified", "failed"]
    verified_at: dt.datetime | None = None
    verifier: str | None = None
    reason: OptionalScrubbedText = None


class HandlerRead(BaseModel):
    id: str
    name: str = Field(description="Masked, e.g. 张*.")
    id_number: str = Field(description="Masked, e.g. 110105********002X.")
    phone: str = Field(description="Masked, e.g. 138****5678.")
    organization_uscc: str
    province: str
    verification: Verification
    version: int
    created_at: dt.datetime


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


class TraceParty(BaseModel):
    uscc: str
    name: str | None = None


class TraceHandler(BaseModel):
    id: str
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    id_number_index: str | None = Field(
        default=None, description="Only for service and enforcement callers.")


class TraceSubPort(BaseModel):
    number: str
    status: str
    business_type: str | None = None
    purpose: OptionalScrubbedText = None
    machine_room: OptionalScrubbedText = None
    equipment: OptionalScrubbedText = None
    province: str
    whitelisted: bool = False


class TracePort(BaseModel):
    number: str
    scope: str
    province: str


class TraceRead(BaseModel):
    number: str
    at: dt.datetime
    matched: Literal["sub_port", "port"]
    sub_port: TraceSubPort | None = None
    port: TracePort
    holder: TraceParty
    user_unit: TraceParty | None = None
    handler: TraceHandler | None = None
