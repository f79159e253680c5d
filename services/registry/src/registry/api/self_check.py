import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, Field

from porttrust_shared.deps import SessionDep
from registry.api.reports import ReportReader
from registry.deps import Cursor, Limit, SettingsDep
from registry.service import self_check as svc

router = APIRouter(tags=["reports"])


class SelfCheckItem(BaseModel):
    number: str
    province: str
    status: str
    user_unit_uscc: str | None
    failures: list[str] = Field(description=", ".join(svc.CODES))
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


@router.get("/v1/reports/commercial-self-check",
            responses={404: {"description": "No such province (or not yours)"}})
async def report_commercial_self_check(session: SessionDep, actor: ReportReader,
                                       settings: SettingsDep, province: str | None = None,
                                       limit: Limit = None,
                                       cursor: Cursor = None) -> SelfCheckReport:
    """Commercial self-inspection (自查整改): each marketing sub-port and what it fails."""
    return SelfCheckReport.model_validate(await svc.commercial_self_check(
        session, actor=actor, province=province, limit=limit, cursor=cursor,
        max_limit=settings.page_limit_max))
