"""whitelist's state beyond the shared one (porttrust_shared.state), and its FastAPI
dependencies: who may call, and registry's client."""

from typing import Annotated

from fastapi import Depends

from porttrust_shared.deps import require_roles
from porttrust_shared.openapi import declare_statuses
from porttrust_shared.state import ServiceState, state_dep
from porttrust_shared.tokens import Principal
from whitelist.clients import Registry
from whitelist.settings import Settings

# Applies for protection, withdraws its application, combs its province's customers.
Applicant = Annotated[Principal, Depends(
    require_roles("whitelist_admin", "hq_admin", "province_operator"))]
# Approves, rejects, revokes and confirms: the second person of every grant.
Decider = Annotated[Principal, Depends(require_roles("whitelist_admin", "hq_admin"))]
Reader = Annotated[Principal, Depends(
    require_roles("whitelist_admin", "hq_admin", "province_operator", "auditor", "service"))]
CombingReader = Annotated[Principal, Depends(
    require_roles("whitelist_admin", "hq_admin", "province_operator", "auditor"))]


class WhitelistState(ServiceState):
    settings: Settings
    registry: Registry  # made at start-up (tests put their own)


RegistryDep = Annotated[Registry, Depends(declare_statuses(
    state_dep(WhitelistState, lambda s: s.registry), 503))]
