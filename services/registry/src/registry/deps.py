from http import HTTPStatus
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request

from porttrust_shared.deps import require_roles
from porttrust_shared.tokens import Principal
from registry.clients import BlacklistChecker, IdentityVerifier
from registry.settings import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _credit(request: Request) -> BlacklistChecker:
    """Built at start-up; tests put their own on app.state.credit."""
    credit: BlacklistChecker = request.app.state.credit
    return credit


def _verifier(request: Request) -> IdentityVerifier:
    verifier: IdentityVerifier = request.app.state.identity_verifier
    return verifier


SettingsDep = Annotated[Settings, Depends(_settings)]
CreditDep = Annotated[BlacklistChecker, Depends(_credit)]
VerifierDep = Annotated[IdentityVerifier, Depends(_verifier)]
IfMatch = Annotated[str | None, Header()]
Limit = Annotated[int | None, Query(ge=1)]
Cursor = Annotated[str | None, Query(max_length=512)]

Writer = Annotated[Principal, Depends(require_roles("hq_admin", "province_operator"))]
Reader = Annotated[Principal, Depends(require_roles(
    "hq_admin", "province_operator", "auditor", "service"))]
StatusReader = Annotated[Principal, Depends(require_roles(
    "hq_admin", "province_operator", "auditor", "service", "gateway"))]
Tracer = Annotated[Principal, Depends(require_roles(
    "hq_admin", "province_operator", "auditor", "service", "enforcement"))]
Auditor = Annotated[Principal, Depends(require_roles("hq_admin", "auditor"))]
Checker = Annotated[Principal, Depends(require_roles(
    "hq_admin", "province_operator", "auditor"))]


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the problem statuses a route can answer."""
    return {status: {"description": HTTPStatus(status).phrase,
                     "content": {"application/problem+json": {}}} for status in statuses}
