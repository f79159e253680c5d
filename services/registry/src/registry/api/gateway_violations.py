import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from porttrust_shared.deps import SessionDep, require_roles
from porttrust_shared.fields import IsoDate
from porttrust_shared.tokens import Principal
from registry.deps import SettingsDep
from registry.service.gateway_violations import rule_of, scan_day

router = APIRouter()
HqAdmin = Annotated[Principal, Depends(require_roles("hq_admin"))]


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: IsoDate = Field(description="A calendar day in China Standard Time (UTC+8).")


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


@router.post("/v1/gateway-violations/scan", tags=["gateway violations"],
             responses={403: {"description": "hq_admin only"}})
async def scan_gateway_violations(data: ScanIn, session: SessionDep, actor: HqAdmin,
                                  settings: SettingsDep) -> ScanRead:
    """Report a day's gateway violations to credit now (the periodic job does yesterday)."""
    rows = await scan_day(session, day=data.day, rule=rule_of(settings))
    return ScanRead(day=data.day, reports=[GatewayViolationRead.model_validate(r) for r in rows])
