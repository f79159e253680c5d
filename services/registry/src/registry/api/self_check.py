
from fastapi import APIRouter

from porttrust_shared.deps import SessionDep
from registry.deps import Cursor, Limit, ReportReader, SettingsDep
from registry.schemas.reports import SelfCheckReport
from registry.service import self_check as svc

router = APIRouter(tags=["reports"])


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
