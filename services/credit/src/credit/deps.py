"""credit's state beyond the shared one, and its FastAPI dependencies: the domain context,
the registry client, who may do what, and the bulk check's body read straight from the
bytes."""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import TypeAdapter

from credit.clients import RegistryClient
from credit.schemas import BlacklistCheck
from credit.service import Credit
from credit.settings import Settings
from porttrust_shared.deps import Reads, require_roles
from porttrust_shared.errors import DependencyUnavailable
from porttrust_shared.json_bodies import body_doc, json_body
from porttrust_shared.openapi import declare_statuses
from porttrust_shared.state import ServiceState, state_dep
from porttrust_shared.tokens import Principal


class CreditState(ServiceState):
    settings: Settings
    credit: Credit  # the domain context, made by create_app
    registry: RegistryClient | None = None  # made at start-up


# async: a plain def dependency would run in the thread pool on every request.
async def _registry(request: Request) -> RegistryClient:
    registry = CreditState.of(request.app).registry
    if registry is None:  # start-up has not run: fail as if registry were down
        raise DependencyUnavailable("registry client is not configured", service="registry")
    return registry


CreditDep = Annotated[Credit, Depends(state_dep(CreditState, lambda s: s.credit))]


class CheckReads(Reads):
    """The bulk check's reads (sessions, the check's cache) and the domain context its
    lookup keys come from, in one dependency: the check is registry's hot path."""

    __slots__ = ("credit",)

    def __init__(self, state: CreditState) -> None:
        super().__init__(state)
        self.credit = state.credit


CheckReadsDep = Annotated[CheckReads, Depends(declare_statuses(
    state_dep(CreditState, CheckReads), 503))]
RegistryDep = Annotated[RegistryClient, Depends(_registry)]
# Who may do what (README: roles).
Reporter = Annotated[Principal, Depends(require_roles("hq_admin", "enforcement", "service"))]
Lister = Annotated[Principal, Depends(require_roles("hq_admin", "enforcement"))]
Reader = Annotated[Principal, Depends(
    require_roles("hq_admin", "enforcement", "auditor", "service"))]
Auditor = Annotated[Principal, Depends(require_roles("auditor", "hq_admin"))]

# The check's request body, read by pydantic straight from the bytes (porttrust_shared.json_bodies)
# after its token dependency ran: the same `BlacklistCheck` rules and 422 problem as FastAPI's
# parse, and the same request body in OpenAPI (`openapi_extra=CHECK_BODY_DOC`).
_CHECK = TypeAdapter(BlacklistCheck)
CHECK_BODY_DOC = body_doc(_CHECK)


async def check_body(request: Request) -> BlacklistCheck:
    return await json_body(request, _CHECK)
