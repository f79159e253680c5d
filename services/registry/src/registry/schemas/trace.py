"""The answer of a trace: who stood behind a number at a moment."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from porttrust_shared.pii import OptionalScrubbedText


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
