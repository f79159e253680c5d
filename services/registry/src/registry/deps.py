from http import HTTPStatus
from typing import Annotated, Any

from fastapi import Depends, Header, Query

from porttrust_shared.deps import require_roles
from porttrust_shared.state import ServiceState, state_dep
from porttrust_shared.tokens import Principal
from registry.clients import BlacklistChecker, IdentityVerifier, WhitelistClient
from registry.settings import Settings


class RegistryState(ServiceState):
    settings: Settings
    # Swap in a real identity-check provider in create_app; see registry.clients.
    identity_verifier: IdentityVerifier
    # Made at start-up (tests put their own).
    credit: BlacklistChecker
    whitelist: WhitelistClient | None = None
    # The send log's writer a deployment sets (service.send_log_writer), and the COPY writer
    # made on first use.
    send_log_writer: Any = None
    copy_log_writer: Any = None


SettingsDep = Annotated[Settings, Depends(state_dep(RegistryState, lambda s: s.settings))]
CreditDep = Annotated[BlacklistChecker, Depends(state_dep(RegistryState, lambda s: s.credit))]
VerifierDep = Annotated[IdentityVerifier, Depends(
    state_dep(RegistryState, lambda s: s.identity_verifier))]
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
