"""Typed client for registry: who held, used and handled a number at a given moment."""

import datetime as dt

from pydantic import BaseModel, ConfigDict, ValidationError

from porttrust_shared.clients import ServiceClient
from porttrust_shared.errors import DependencyUnavailable


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TraceOrganization(_Part):
    uscc: str
    name: str | None = None


class TraceHandler(_Part):
    id: str | None = None
    name: str | None = None  # already masked by registry
    id_number_index: str | None = None


class TraceSubPort(_Part):
    number: str
    whitelisted: bool = False


class Trace(_Part):
    number: str
    matched: str | None = None
    sub_port: TraceSubPort | None = None
    holder: TraceOrganization | None = None
    user_unit: TraceOrganization | None = None
    handler: TraceHandler | None = None


class RegistryClient(ServiceClient):
    service = "registry"

    async def trace(self, number: str, *, at: dt.datetime) -> Trace | None:
        """The trace at `at`; None when the number was not registered then."""
        response = await self.call("GET", f"/v1/trace/{number}", params={"at": at.isoformat()})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise DependencyUnavailable(f"registry answered the trace with {response.status_code}",
                                        service=self.service)
        try:
            return Trace.model_validate_json(response.content)
        except ValidationError:
            raise DependencyUnavailable("registry's trace could not be read",
                                        service=self.service) from None
