"""Schemas for replies a person decides, opt-out search and registered signatures (R5)."""

import datetime as dt

from pydantic import BaseModel, Field

from registry.schemas import Forbid, Mobile
from registry.schemas_messaging import Reason


class MoMessageItem(BaseModel):
    id: str
    sub_port: str
    sender: str = Field(description="Masked, e.g. 138****5678.")
    text: str = Field(description="The reply, with anything shaped like a phone or ID masked.")
    opt_out: bool
    undecided: bool = Field(description="The rules could not tell; a person decides.")
    rule: str | None = Field(description="The keyword or phrase the rules matched.")
    received_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None


class MoDecisionIn(BaseModel):
    model_config = Forbid
    opt_out: bool
    reason: Reason | None = None


class OptOutSearch(BaseModel):
    model_config = Forbid
    phone: Mobile


class OptOutItem(BaseModel):
    sub_port: str
    province: str
    phone: str = Field(description="Masked, e.g. 138****5678.")
    keyword: str = Field(description="The keyword or phrase, or `person` for a decision.")
    received_at: dt.datetime
    created_at: dt.datetime
