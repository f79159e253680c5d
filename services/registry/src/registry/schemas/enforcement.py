"""Complaints, complaint reviews and back-fill: request and response shapes."""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from porttrust_shared.fields import Iso8601, IsoDate, Text
from porttrust_shared.pii import ScrubbedData, ScrubbedText
from registry.schemas.fields import Forbid, MaskedPhone, Mobile, Province
from registry.schemas.trace import TraceHandler, TraceParty, TracePort, TraceSubPort

ComplaintNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{3,21}$")]


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _not_future(value: dt.datetime) -> dt.datetime:
    # A little slack for callers' clocks; a complaint from the future cannot be traced.
    if value > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
        raise ValueError("received_at must not be in the future")
    return value


Moment = Annotated[dt.datetime, Iso8601, AfterValidator(_utc)]
PastMoment = Annotated[dt.datetime, Iso8601, AfterValidator(_utc), AfterValidator(_not_future)]


class ComplaintCreate(BaseModel):
    model_config = Forbid
    number: ComplaintNumber = Field(description="The number the spam came from.")
    reporter: Mobile = Field(description="The complaining recipient; stored encrypted.")
    content: Text
    received_at: PastMoment = Field(description="When the spam arrived; naive means UTC.")


class ComplaintTraceRead(BaseModel):
    """The trace of the number at `received_at`, plus what became of the complaint."""

    complaint_id: str
    traced: bool = Field(description="False when the number was not registered then (or is "
                                     "outside your province): stored, not forwarded.")
    valid: bool = Field(description="Counts toward the sub-port's review threshold.")
    review_id: int | None = Field(default=None,
                                  description="The review this complaint opened, if any.")
    reporter: MaskedPhone
    received_at: dt.datetime
    number: str
    at: dt.datetime
    matched: Literal["sub_port", "port"] | None = None
    sub_port: TraceSubPort | None = None
    port: TracePort | None = None
    holder: TraceParty | None = None
    user_unit: TraceParty | None = None
    handler: TraceHandler | None = None


class ComplaintRead(BaseModel):
    id: str
    number: str
    sub_port_number: str | None
    province: str | None
    traced: bool
    valid: bool
    reporter: MaskedPhone
    content: ScrubbedText = Field(description="Stored encrypted; ID numbers and phones masked.")
    received_at: dt.datetime
    created_at: dt.datetime
    trace: ScrubbedData


class ComplaintReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    sub_port_number: str
    province: str
    complaint_count: int
    window_start: dt.datetime
    window_end: dt.datetime
    status: Literal["open", "closed"]
    created_at: dt.datetime
    outcome: Literal["confirmed", "dismissed"] | None = None
    close_reason: str | None = None
    closed_by: str | None = None
    closed_at: dt.datetime | None = None


class ReviewClose(BaseModel):
    model_config = Forbid
    outcome: Literal["confirmed", "dismissed"] = Field(
        description="confirmed: one credit event for the user unit, holder and handler")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=500)]


class ProvinceBackfill(BaseModel):
    province: str
    total: int = Field(description="Sub-ports not cancelled.")
    complete: int = Field(description="Done: nothing missing.")
    incomplete: int = Field(description="Outstanding: something missing.")
    incomplete_active: int = Field(description="Outstanding and live: suspended at deadline.")
    incomplete_whitelisted: int
    missing: dict[str, int] = Field(description="Outstanding sub-ports per missing item.")


class BackfillReport(BaseModel):
    provinces: list[ProvinceBackfill]


class QueueItem(BaseModel):
    number: str
    province: str
    status: str
    missing: list[str]
    score: int = Field(description="Priority 0–10000; higher is worked first.")
    monthly_volume: int | None
    value_contribution: int | None
    customer_importance: int | None
    whitelisted: bool


class EnforcementIn(BaseModel):
    model_config = Forbid
    province: Province
    deadline: Moment
    dry_run: StrictBool = False  # true/false only, as the schema says (not 0/1 or "yes")


class EnforcementRead(BaseModel):
    province: str
    deadline: dt.datetime
    dry_run: bool
    checked: int = Field(description="Incomplete active sub-ports found.")
    suspended_count: int = Field(description="Suspended, or would be in a dry run.")
    suspended: list[str]
    exempted_count: int = Field(description="Whitelisted: left active.")
    exempted: list[str]


class CampaignIn(BaseModel):
    model_config = Forbid
    deadline: Moment = Field(description="Incomplete live sub-ports are suspended then.")
    template_enforcement_from: Moment | None = Field(
        default=None, description="Off-template text of pending live sub-ports is refused "
                                  "from here on; default: the deadline.")


class CampaignRead(BaseModel):
    province: str
    deadline: dt.datetime
    template_enforcement_from: dt.datetime | None
    templates_enforced_from: dt.datetime = Field(
        description="template_enforcement_from, or the deadline when not set.")
    swept_deadline: dt.datetime | None = Field(
        description="The deadline the sweep has run for; null or different: not yet.")
    swept_at: dt.datetime | None
    version: int
    updated_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


def _day_in_utc_years(value: dt.date) -> dt.date:
    # The scan reads the day's hours in UTC: 0001-01-01 in UTC+8 begins before UTC's year 1,
    # 9999-12-31 ends after its last day.
    if not dt.date(1, 1, 2) <= value <= dt.date(9999, 12, 30):
        raise ValueError("day must lie between 0001-01-02 and 9999-12-30")
    return value


class ScanIn(BaseModel):
    model_config = Forbid
    day: Annotated[IsoDate, AfterValidator(_day_in_utc_years)] = Field(
        description="A calendar day in China Standard Time (UTC+8), 0001-01-02 to 9999-12-30.")


class GatewayViolationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    sub_port_number: str
    day: dt.date
    type: str = Field(description="marketing_on_service_port | template_mismatch")
    evidence: dict[str, Any] = Field(description="counts and send-log ids, never text")
    created_at: dt.datetime


class ScanRead(BaseModel):
    day: dt.date
    reports: list[GatewayViolationRead]
