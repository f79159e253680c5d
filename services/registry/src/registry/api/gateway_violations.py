
from fastapi import APIRouter

from porttrust_shared.deps import SessionDep
from registry.deps import HqAdmin, SettingsDep
from registry.schemas.enforcement import GatewayViolationRead, ScanIn, ScanRead
from registry.service.gateway_violations import rule_of, scan_day

router = APIRouter()


@router.post("/v1/gateway-violations/scan", tags=["gateway violations"],
             responses={403: {"description": "hq_admin only"}})
async def scan_gateway_violations(data: ScanIn, session: SessionDep, actor: HqAdmin,
                                  settings: SettingsDep) -> ScanRead:
    """Report a day's gateway violations to credit now (the periodic job does yesterday)."""
    rows = await scan_day(session, day=data.day, rule=rule_of(settings))
    return ScanRead(day=data.day, reports=[GatewayViolationRead.model_validate(r) for r in rows])
