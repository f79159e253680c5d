"""FastAPI dependencies of the whitelist service."""

from typing import Annotated

from fastapi import Depends, Request

from porttrust_shared.openapi import declare_statuses
from whitelist.clients import Registry


def _registry(request: Request) -> Registry:
    """Built at start-up; tests put their own on app.state.registry."""
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(declare_statuses(_registry, 503))]
