"""registry's state beyond the shared one (porttrust_shared.state), its FastAPI dependencies
and who may do what."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Header, Query, Request

from porttrust_shared.deps import require_roles
from porttrust_shared.state import ServiceState, state_dep
from porttrust_shared.tokens import Principal
from registry.clients import BlacklistChecker, IdentityVerifier, WhitelistChecker, WhitelistClient
from registry.settings import Settings

if TYPE_CHECKING:  # held here, made by the modules that use them
    from registry.api.imports import ImportSlots
    from registry.api.send_checks import SendCheckReads
    from registry.service.send_log_writer import CopyLogWriter, SendLogWriter


class RegistryState(ServiceState):
    settings: Settings
    # Swap in a real identity-check provider in create_app; see registry.clients.
    identity_verifier: IdentityVerifier
    # Made at start-up (tests put their own).
    credit: BlacklistChecker
    whitelist: WhitelistClient | None = None
    # The send log's writer a deployment sets (service.send_log_writer), and the COPY writer
    # made on first use.
    send_log_writer: SendLogWriter | None = None
    copy_log_writer: CopyLogWriter | None = None
    # The send check's one dependency, made again only when what it is made of changes.
    send_check_reads: SendCheckReads | None = None
    # The import route's slots per client (made on first use) and the jobs it runs in this
    # process, referenced until done (create_app makes the dict).
    import_slots: ImportSlots | None = None
    import_tasks: dict[str, asyncio.Task[None]]


# For a route that keeps things on the app's state between requests (the import's slots and
# jobs); anything else takes the dependency of what it needs.
RegistryStateDep = Annotated[RegistryState, Depends(state_dep(RegistryState, lambda s: s))]
SettingsDep = Annotated[Settings, Depends(state_dep(RegistryState, lambda s: s.settings))]
CreditDep = Annotated[BlacklistChecker, Depends(state_dep(RegistryState, lambda s: s.credit))]
VerifierDep = Annotated[IdentityVerifier, Depends(
    state_dep(RegistryState, lambda s: s.identity_verifier))]
# Built at start-up; None in an app that has none (then combing is unknown).
WhitelistOrNone = Annotated[WhitelistClient | None, Depends(
    state_dep(RegistryState, lambda s: s.whitelist))]


async def _whitelist(request: Request) -> WhitelistChecker:
    """Whitelist's status check, for the back-fill routes: built at start-up; tests put
    their own on the app's state."""
    whitelist = RegistryState.of(request.app).whitelist
    if whitelist is None:
        raise RuntimeError("registry's whitelist client is made at start-up")
    return whitelist


WhitelistDep = Annotated[WhitelistChecker, Depends(_whitelist)]
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
HqAdmin = Annotated[Principal, Depends(require_roles("hq_admin"))]
Checker = Annotated[Principal, Depends(require_roles(
    "hq_admin", "province_operator", "auditor"))]
ReportReader = Checker  # who checks records reads the reports


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the problem statuses a route can answer."""
    return {status: {"description": HTTPStatus(status).phrase,
                     "content": {"application/problem+json": {}}} for status in statuses}
