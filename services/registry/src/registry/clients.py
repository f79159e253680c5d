"""Typed clients for the services registry calls."""

import datetime as dt
from typing import Protocol

from pydantic import BaseModel, ValidationError

from porttrust_shared.clients import ServiceClient
from porttrust_shared.errors import DependencyUnavailable


class Subject(BaseModel):
    kind: str
    key: str


class BlacklistResult(BaseModel):
    kind: str
    blacklisted: bool
    since: dt.datetime | None = None
    reason: str | None = None
    entry_id: str | None = None
    sanctions: list[str] | None = None


class BlacklistChecker(Protocol):
    async def check(self, subjects: list[Subject]) -> list[BlacklistResult]: ...


class _CheckResponse(BaseModel):
    results: list[BlacklistResult]


class CreditClient(ServiceClient):
    """credit's blacklist check. Anything but a well-formed answer fails closed (503)."""

    service = "credit"

    async def check(self, subjects: list[Subject]) -> list[BlacklistResult]:
        if not subjects:
            return []
        body = {"subjects": [s.model_dump() for s in subjects]}
        response = await self.call("POST", "/v1/blacklist/check", json=body)
        if response.status_code != 200:
            raise DependencyUnavailable(f"credit answered {response.status_code}",
                                        service="credit")
        try:
            results = _CheckResponse.model_validate(response.json()).results
        except (ValidationError, ValueError):
            raise DependencyUnavailable("credit gave an unreadable answer",
                                        service="credit") from None
        if len(results) != len(subjects):
            raise DependencyUnavailable("credit answered for other subjects", service="credit")
        return results
