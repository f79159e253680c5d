import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from porttrust_shared.db import utcnow
from porttrust_shared.fields import Iso8601, PortNumber, Province, Text, Uscc
from porttrust_shared.pii import OptionalScrubbedText, ScrubbedText

MAX_BATCH = 1000


class Category(StrEnum):
    LIFE_SAFETY = "life_safety"
    EMERGENCY_RESCUE = "emergency_rescue"
    GOVERNMENT_REGULATORY = "government_regulatory"
    # The notice lists the three "等": anything else, with a justification, approved at HQ.
    OTHER = "other"


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


def _future(value: dt.datetime) -> dt.datetime:
    if value <= utcnow():
        raise ValueError("expires_at must be in the future")
    return value.astimezone(dt.UTC)


FutureTime = Annotated[AwareDatetime, Iso8601, AfterValidator(_future)]


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: PortNumber | None = Field(
        None, description="Port or sub-port, e.g. 10690123 or 106901234567.")
    uscc: Uscc | None = Field(
        None, description="Or a customer (user unit): every sub-port it uses, now and later.")
    category: Category
    justification: Text
    expires_at: FutureTime | None = None
    province: Province | None = Field(
        default=None, description="Optional: the application is in the province registry "
                                  "gives the number or customer; if sent, it must be that one.")

    @model_validator(mode="after")
    def _one_target(self) -> "ApplicationCreate":
        if (self.number is None) == (self.uscc is None):
            raise ValueError("name exactly one of number and uscc")
        return self


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Text | None = None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text
    comment: Text | None = None


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text


class ConfirmIn(RevokeIn):
    """Why the entry still fits the sub-port's new use."""


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text | None = None


class ApplicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    number: str | None
    uscc: str | None
    province: str
    category: Category
    justification: ScrubbedText
    expires_at: dt.datetime | None
    status: ApplicationStatus
    applicant: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_comment: OptionalScrubbedText
    entry_id: str | None


class EntryRead(BaseModel):
    id: str
    number: str | None
    uscc: str | None = Field(description="A customer entry: every sub-port the unit uses.")
    province: str
    category: Category
    expires_at: dt.datetime | None
    active: bool
    status: str = Field(description="active, review (protects nothing until confirmed), "
                                    "expired or revoked")
    application_id: str
    applicant: str
    granted_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None
    revoke_reason: OptionalScrubbedText
    review_since: dt.datetime | None = None
    review_reason: OptionalScrubbedText = None


class StatusRead(BaseModel):
    number: str
    whitelisted: bool
    category: Category | None = None
    entry_id: str | None = None
    expires_at: dt.datetime | None = None
    uscc: str | None = Field(None, description="The customer whose entry covers the number.")
    province: str | None = Field(None, description="The covering entry's province: it "
                                                   "protects sub-ports of that province only.")


class StatusBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    numbers: list[PortNumber] = Field(max_length=MAX_BATCH)


class StatusBatchOut(BaseModel):
    results: list[StatusRead]


class CombingCounts(BaseModel):
    customers: int = Field(description="customers to comb: from registry and uploaded")
    combed: int = Field(description="decided: applied or not_needed")
    applied: int
    not_needed: int
    rate: float | None = Field(description="combed / customers, null when there are none")


class ProvinceProgress(BaseModel):
    province: str
    name: str
    applications: dict[str, int] = Field(description="count by status")
    entries: dict[str, int] = Field(description="active entries by category")
    combing_done: bool
    combing_done_at: dt.datetime | None = None
    combing_done_by: str | None = None
    combing: CombingCounts


class ProgressRead(BaseModel):
    provinces: list[ProvinceProgress]




class CombingDecision(StrEnum):
    APPLIED = "applied"
    NOT_NEEDED = "not_needed"


class CombingDecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: CombingDecision
    note: Text | None = None


class CombingCustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    uscc: str
    province: str
    from_registry: str | None = Field(description="registry's public_service, if it listed it")
    uploaded_by: str | None
    decision: CombingDecision | None
    decided_by: str | None
    decided_at: dt.datetime | None
    note: OptionalScrubbedText
    created_at: dt.datetime


class CombingRowError(BaseModel):
    row: int
    code: str = Field(description="bad_uscc, bad_row, other_province")


class CombingUploadRead(BaseModel):
    added: int
    already_listed: int
    errors: list[CombingRowError]
