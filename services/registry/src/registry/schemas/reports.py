"""Reports: the per-province report, the daily progress series and the commercial
self-check (R9, R5)."""

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from registry.clients import Combing

# The self-check's failure codes, in the order an item lists them.
SELF_CHECK_CODES = ("signature_not_registered", "signature_not_naming_unit",
                    "opt_out_instruction_missing", "no_reply_channel", "opt_out_not_honoured")


class Tally(BaseModel):
    registered: int
    active: int
    suspended: int
    cancelled: int
    total: int


class Share(BaseModel):
    total: int
    rate: float | None


class Completeness(Share):
    complete: int


class Verified(Share):
    verified: int


class Signed(Share):
    signed: int


class Campaign(BaseModel):
    deadline: dt.datetime
    days_left: int = Field(description="Calendar days (UTC) until the deadline; negative "
                                        "once it has passed.")


class ProvinceRow(BaseModel):
    province: str
    name: str
    sub_ports: Tally
    completeness: Completeness
    handlers: Verified
    holders: Signed
    combing: Combing | None = Field(
        description="Whitelist customer combing (from whitelist); null when unknown.")
    campaign: Campaign | None = Field(
        default=None, description="The province's back-fill campaign; null when none is set.")


class ProvincesReport(BaseModel):
    generated_at: dt.datetime
    items: list[ProvinceRow]
    combing_available: bool = Field(description="Whether whitelist answered for combing.")


class ProgressPoint(BaseModel):
    """One province on one day (UTC)."""

    province: str
    day: dt.date
    taken_at: dt.datetime
    live: int = Field(description="Active sub-ports.")
    complete: int = Field(description="Active sub-ports whose record is complete.")
    pending: int = Field(description="Active, incomplete, before the province's deadline.")
    overdue: int = Field(description="Active, incomplete, after the deadline (not swept yet, "
                                     "or whitelisted).")
    suspended_deadline: int = Field(description="Suspended with reason backfill_deadline.")
    holders_signed: int
    holders_total: int
    complete_rate: float | None = Field(description="complete / live; null when nothing is "
                                                    "live (no data, not 0 %).")
    combing: dict[str, Any] | None = Field(description="Whitelist's combing figures for the "
                                                       "province as it reported them; null "
                                                       "when it could not be asked.")


class TakenSnapshots(BaseModel):
    day: dt.date
    items: list[ProgressPoint]


class SelfCheckItem(BaseModel):
    number: str
    province: str
    status: str
    user_unit_uscc: str | None
    failures: list[str] = Field(description=", ".join(SELF_CHECK_CODES))
    opt_outs_not_honoured: int = Field(
        description="Messages allowed to a phone after it opted out (must be 0).")


class SelfCheckTotals(BaseModel):
    province: str
    name: str
    marketing_sub_ports: int
    failing: int
    failures: dict[str, int] = Field(description="sub-ports failing each check")
    opt_outs_not_honoured: int


class SelfCheckReport(BaseModel):
    generated_at: dt.datetime
    reply_window_days: int
    totals: list[SelfCheckTotals]
    items: list[SelfCheckItem]
    next_cursor: str | None
