"""Organisations and their handlers: what callers send and read."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from porttrust_shared.pii import OptionalScrubbedText
from registry.schemas.fields import (
    Forbid,
    IdNumber,
    MaskedPhone,
    Mobile,
    OrgRole,
    PersonName,
    Province,
    PublicService,
    Text200,
    Uscc,
)


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
    phone: MaskedPhone
    organization_uscc: str
    province: str
    verification: Verification
    version: int
    created_at: dt.datetime
