import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from porttrust_shared.deps import SessionDep, require_roles
from porttrust_shared.errors import NotFound
from porttrust_shared.state import state_dep
from porttrust_shared.tokens import Principal
from registry.clients import Combing, WhitelistClient
from registry.deps import RegistryState
from registry.service import reports as svc

router = APIRouter(tags=["reports"])
STATIC = Path(__file__).resolve().parents[1] / "static"
ASSETS = {"dashboard.js": "text/javascript; charset=utf-8",
          "dashboard.css": "text/css; charset=utf-8"}
ReportReader = Annotated[Principal, Depends(require_roles(
    "hq_admin", "auditor", "province_operator"))]


class Tally(BaseModel):
    registered: int
    active: int
    suspended: int
    cancelled: int
    total: int


class Share(BaseModel):
    total: int
    rate: float | None


class Completeness(Share):
    complete: int


class Verified(Share):
    verified: int


class Signed(Share):
    signed: int


class Campaign(BaseModel):
    deadline: dt.datetime
    days_left: int = Field(description="Calendar days (UTC) until the deadline; negative "
                                        "once it has passed.")


class ProvinceRow(BaseModel):
    province: str
    name: str
    sub_ports: Tally
    completeness: Completeness
    handlers: Verified
    holders: Signed
    combing: Combing | None = Field(
        description="Whitelist customer combing (from whitelist); null when unknown.")
    campaign: Campaign | None = Field(
        default=None, description="The province's back-fill campaign; null when none is set.")


class ProvincesReport(BaseModel):
    generated_at: dt.datetime
    items: list[ProvinceRow]
    combing_available: bool = Field(description="Whether whitelist answered for combing.")


# Built at start-up; None in an app that has none (then combing is unknown).
WhitelistOrNone = Annotated[WhitelistClient | None, Depends(
    state_dep(RegistryState, lambda s: s.whitelist))]


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
