"""Typed clients for the services whitelist calls."""

from typing import Literal, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from porttrust_shared.clients import ServiceClient
from porttrust_shared.errors import DependencyUnavailable

M = TypeVar("M", bound=BaseModel)


class RegisteredNumber(BaseModel):
    """registry's `GET /v1/numbers/{number}`: the port or sub-port a number is."""

    number: str
    kind: Literal["port", "sub_port"]
    province: str


class RegisteredOrganization(BaseModel):
    """What whitelist needs of registry's `GET /v1/organizations/{uscc}`."""

    uscc: str
    province: str


class Registry(Protocol):
    async def number(self, number: str) -> RegisteredNumber | None: ...

    async def organization(self, uscc: str) -> RegisteredOrganization | None: ...


class RegistryClient(ServiceClient):
    """Where a number or a customer belongs, as registry says; None when registry knows no
    such number or organisation. Anything but a well-formed answer is a 503: a province is
    never guessed."""

    service = "registry"

    async def number(self, number: str) -> RegisteredNumber | None:
        return _read(await self.call("GET", f"/v1/numbers/{number}"), RegisteredNumber)

    async def organization(self, uscc: str) -> RegisteredOrganization | None:
        return _read(await self.call("GET", f"/v1/organizations/{uscc}"),
                     RegisteredOrganization)


def _read(response: httpx.Response, model: type[M]) -> M | None:
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise DependencyUnavailable(f"registry answered {response.status_code}",
                                    service="registry")
    try:
        return model.model_validate(response.json())
    except (ValidationError, ValueError):
        raise DependencyUnavailable("registry gave an unreadable answer",
                                    service="registry") from None
