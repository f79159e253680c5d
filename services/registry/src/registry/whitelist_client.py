"""The whitelist service's status check, asked synchronously before back-fill enforcement."""

import datetime as dt
from typing import Protocol

from pydantic import BaseModel, ValidationError

from porttrust_shared.clients import ServiceClient
from porttrust_shared.errors import DependencyUnavailable

BATCH_LIMIT = 1000


class WhitelistStatus(BaseModel):
    number: str
    whitelisted: bool
    category: str | None = None
    entry_id: str | None = None
    expires_at: dt.datetime | None = None


class WhitelistChecker(Protocol):
    async def statuses(self, numbers: list[str]) -> dict[str, WhitelistStatus]: ...


class _BatchResponse(BaseModel):
    results: list[WhitelistStatus]


class Combing(BaseModel):
    """A province's whitelist customer combing, as whitelist counts it."""

    customers: int
    combed: int
    rate: float | None


class _ProvinceCombing(BaseModel):
    province: str
    combing: Combing


class _Progress(BaseModel):
    provinces: list[_ProvinceCombing]


class WhitelistClient(ServiceClient):
    """`POST /v1/status/batch` in chunks of at most 1,000 numbers.

    Anything but a complete, well-formed answer for every number is a 503: back-fill
    enforcement must never suspend a sub-port whose protection it could not confirm.
    """

    service = "whitelist"

    async def statuses(self, numbers: list[str]) -> dict[str, WhitelistStatus]:
        wanted = list(dict.fromkeys(numbers))
        found: dict[str, WhitelistStatus] = {}
        for start in range(0, len(wanted), BATCH_LIMIT):
            chunk = wanted[start:start + BATCH_LIMIT]
            found.update({s.number: s for s in await self._batch(chunk)})
        if set(wanted) - set(found):
            raise DependencyUnavailable("whitelist did not answer for every number",
                                        service="whitelist")
        return found

    async def _batch(self, numbers: list[str]) -> list[WhitelistStatus]:
        response = await self.call("POST", "/v1/status/batch", json={"numbers": numbers})
        if response.status_code != 200:
            raise DependencyUnavailable(f"whitelist answered {response.status_code}",
                                        service="whitelist")
        try:
            return _BatchResponse.model_validate(response.json()).results
        except (ValidationError, ValueError):
            raise DependencyUnavailable("whitelist gave an unreadable answer",
                                        service="whitelist") from None

    async def combing(self) -> dict[str, Combing]:
        """Each province's combing counts (`GET /v1/progress`); 503 when it cannot say."""
        response = await self.call("GET", "/v1/progress")
        if response.status_code != 200:
            raise DependencyUnavailable(f"whitelist answered {response.status_code}",
                                        service="whitelist")
        try:
            rows = _Progress.model_validate(response.json()).provinces
        except (ValidationError, ValueError):
            raise DependencyUnavailable("whitelist gave an unreadable answer",
                                        service="whitelist") from None
        return {row.province: row.combing for row in rows}
