import datetime as dt
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from porttrust_shared.fields import ProvinceOrHQ, Role
from porttrust_shared.tokens import HQ


def _roles(value: list[str]) -> list[str]:
    return sorted(set(value))


MIN_PASSWORD = 12
Roles = Annotated[list[Role], Field(min_length=1), AfterValidator(_roles)]
Province = ProvinceOrHQ
ClientId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{2,63}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Scoped(BaseModel):
    roles: Roles
    province: Province

    @model_validator(mode="after")
    def _operator_has_a_province(self) -> Self:
        # An HQ province would lift the operator's province scoping: it would see every province.
        if "province_operator" in self.roles and self.province == HQ:
            raise ValueError("a province_operator must belong to one province, not HQ")
        return self


class ClientCreate(_Scoped):
    model_config = ConfigDict(extra="forbid")
    name: Name
    roles: Roles
    province: Province
    client_id: ClientId | None = None


class ClientCreated(BaseModel):
    client_id: str
    client_secret: str | None = Field(
        default=None, description="Shown once; store it now. Absent when the answer is the "
                                  "replay of an earlier request with the same Idempotency-Key.")
    name: str
    roles: list[str]
    province: str
    created_at: dt.datetime
    active: bool = Field(True, description="False until a second hq_admin approves grant_id.")
    grant_id: str | None = Field(None, description="Set when a privileged role (hq_admin, "
                                 "whitelist_admin, enforcement) waits for a second hq_admin.")


class UserCreate(_Scoped):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,64}$")]
    password: Annotated[str, StringConstraints(min_length=MIN_PASSWORD, max_length=256)]
    roles: Roles
    province: Province


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    username: str
    roles: list[str]
    province: str
    active: bool
    created_at: dt.datetime
    grant_id: str | None = Field(None, description="Set when a privileged role waits for a "
                                 "second hq_admin's approval (POST /v1/grants/{id}/approve).")


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str = Field(description="client or user")
    subject: str = Field(description="the client_id or username")
    roles: list[str] = Field(description="the privileged roles asked for")
    status: str = Field(description="pending, approved or rejected")
    requested_by: str
    requested_person: str
    created_at: dt.datetime
    decided_by: str | None
    decided_person: str | None
    decided_at: dt.datetime | None


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class TokenRequest(BaseModel):
    """The form of POST /v1/token, client credentials merged from HTTP Basic if sent there."""

    grant_type: str
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    audience: str | None = None
