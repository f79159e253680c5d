"""FastAPI dependencies of the whitelist service: who may call, and registry's client."""

from typing import Annotated

from fastapi import Depends, Request

from porttrust_shared.deps import require_roles
from porttrust_shared.openapi import declare_statuses
from porttrust_shared.tokens import Principal
from whitelist.clients import Registry

# Applies for protection, withdraws its application, combs its province's customers.
Applicant = Annotated[Principal, Depends(
    require_roles("whitelist_admin", "hq_admin", "province_operator"))]
# Approves, rejects, revokes and confirms: the second person of every grant.
Decider = Annotated[Principal, Depends(require_roles("whitelist_admin", "hq_admin"))]
Reader = Annotated[Principal, Depends(
    require_roles("whitelist_admin", "hq_admin", "province_operator", "auditor", "service"))]
CombingReader = Annotated[Principal, Depends(
    require_roles("whitelist_admin", "hq_admin", "province_operator", "auditor"))]


def _registry(request: Request) -> Registry:
    """Built at start-up; tests put their own on app.state.registry."""
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(declare_statuses(_registry, 503))]
