from typing import Annotated

from fastapi import Depends, Request

from credit.clients import RegistryClient
from credit.context import Credit
from porttrust_shared.deps import require_roles, roles_principal
from porttrust_shared.errors import DependencyUnavailable
from porttrust_shared.tokens import Principal


# async: a plain def dependency would run in the thread pool on every request.
async def _credit(request: Request) -> Credit:
    credit: Credit = request.app.state.credit
    return credit


async def _registry(request: Request) -> RegistryClient:
    registry: RegistryClient | None = getattr(request.app.state, "registry", None)
    if registry is None:  # start-up has not run: fail as if registry were down
        raise DependencyUnavailable("registry client is not configured", service="registry")
    return registry


CreditDep = Annotated[Credit, Depends(_credit)]
RegistryDep = Annotated[RegistryClient, Depends(_registry)]
# Who may do what (README: roles).
Reporter = Annotated[Principal, Depends(require_roles("hq_admin", "enforcement", "service"))]
Lister = Annotated[Principal, Depends(require_roles("hq_admin", "enforcement"))]
Reader = Annotated[Principal, Depends(
    require_roles("hq_admin", "enforcement", "auditor", "service"))]
# Reader's roles checked by one dependency, for the hot blacklist check.
ReaderOne = Annotated[Principal, Depends(
    roles_principal("hq_admin", "enforcement", "auditor", "service"))]
Auditor = Annotated[Principal, Depends(require_roles("auditor", "hq_admin"))]
