from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from porttrust_shared.deps import SessionDep
from porttrust_shared.errors import NotFound
from registry.deps import ReportReader, WhitelistOrNone
from registry.schemas.reports import ProvincesReport
from registry.service import reports as svc

router = APIRouter(tags=["reports"])
STATIC = Path(__file__).resolve().parents[1] / "static"
ASSETS = {"dashboard.js": "text/javascript; charset=utf-8",
          "dashboard.css": "text/css; charset=utf-8"}




@router.get("/v1/reports/provinces")
async def report_provinces(session: SessionDep, actor: ReportReader,
                           whitelist: WhitelistOrNone) -> ProvincesReport:
    """Per province: sub-ports by state, completeness, verified handlers, signed holders,
    whitelist combing."""
    return ProvincesReport.model_validate(await svc.province_report(session, actor=actor,
                                                                    whitelist=whitelist))


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def dashboard() -> HTMLResponse:
    """The HQ dashboard page; it reads /v1/reports/provinces with the token you give it."""
    return HTMLResponse((STATIC / "dashboard.html").read_text(encoding="utf-8"))


@router.get("/dashboard/{asset}", include_in_schema=False)
async def dashboard_asset(asset: str) -> Response:
    """The dashboard's own script and style sheet; nothing is loaded from elsewhere."""
    if asset not in ASSETS:
        raise NotFound("No such asset.")
    return Response((STATIC / asset).read_text(encoding="utf-8"), media_type=ASSETS[asset])
