"""Agreements (R3, R4) and inaccuracy flags (核查不准确): what callers send and read."""

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from porttrust_shared.fields import Iso8601
from registry.schemas.fields import Forbid, Text200, Text500, Uscc

AgreementKind = Literal["holder_supplementary", "service"]
Clause = Literal["report_true_user_units", "no_transfer", "no_rent", "no_sublet",
                 "no_out_of_scope", "retain_logs"]
# The sub-port fields a check can find wrong: those a complete record needs.
FlaggableField = Literal["user_unit_uscc", "handler_id", "business_type", "purpose",
                         "machine_room", "equipment"]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$", to_lower=True)]


class AgreementIn(BaseModel):
    model_config = Forbid
    kind: AgreementKind
    counterparty_uscc: Uscc | None = Field(
        default=None, description="service: the holder of the user unit's port; "
                                  "holder_supplementary: absent (the operator).")
    signed_at: Annotated[AwareDatetime, Iso8601]
    document_ref: Text200
    document_sha256: Sha256 | None = None
    clauses: list[Clause] = Field(max_length=20)


class AgreementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    organization_uscc: str
    province: str
    kind: str
    counterparty_uscc: str | None
    signed_at: dt.datetime
    document_ref: str
    document_sha256: str | None
    clauses: list[str]
    actor: str
    created_at: dt.datetime


class InaccuracyIn(BaseModel):
    model_config = Forbid
    field: FlaggableField
    reason: Text500


class ClearIn(BaseModel):
    model_config = Forbid
    reason: Text500


class InaccuracyRead(BaseModel):
    id: str
    sub_port: str
    province: str
    field: str
    reason: str
    state: Literal["open", "corrected", "cleared"] = Field(
        description="open: the field still holds the value found wrong; corrected: it has "
                    "changed since; cleared: a different person cleared the flag.")
    flagged_by: str
    flagged_at: dt.datetime
    cleared_by: str | None
    cleared_at: dt.datetime | None
    clear_reason: str | None
