"""Schemas for replies a person decides, opt-out search and registered signatures (R5)."""

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StringConstraints

from porttrust_shared.pii import OptionalScrubbedText, ScrubbedText
from registry.schemas.fields import Forbid, MaskedPhone, Mobile
from registry.schemas.messaging import Reason


class MoMessageItem(BaseModel):
    id: str
    sub_port: str
    sender: MaskedPhone
    text: str = Field(description="The reply, with anything shaped like a phone or ID masked.")
    opt_out: bool
    undecided: bool = Field(description="The rules could not tell; a person decides.")
    rule: str | None = Field(description="The keyword or phrase the rules matched.")
    received_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None


class MoDecisionIn(BaseModel):
    model_config = Forbid
    opt_out: StrictBool  # true/false only: the schema says boolean, so 0 or "no" is refused
    reason: Reason | None = None


class OptOutSearch(BaseModel):
    model_config = Forbid
    phone: Mobile


class OptOutItem(BaseModel):
    sub_port: str
    province: str
    phone: MaskedPhone
    keyword: str = Field(description="The keyword or phrase, or `person` for a decision.")
    received_at: dt.datetime
    created_at: dt.datetime


class SignatureCreate(BaseModel):
    model_config = Forbid
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=40)] = Field(
        description="The signature without 【】: the unit's name, or a short name or brand.")
    evidence_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=200)] | None = Field(
        None, description="Required when the text is not part of the unit's name: where the "
                          "trademark, licence or authorisation that backs it is filed.")


class SignatureRead(BaseModel):
    id: str
    organization_uscc: str
    province: str
    text: ScrubbedText
    names_unit: bool = Field(description="The text is part of the unit's registered name.")
    evidence_ref: str | None
    status: Literal["pending", "approved", "rejected"]
    created_by: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: OptionalScrubbedText
