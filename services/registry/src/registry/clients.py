"""Typed clients of what registry asks outside itself: credit's blacklist check, whitelist's
statuses and combing (asked synchronously before back-fill enforcement), and identity
verification of handlers.

Identity verification sits behind one interface. The local verifier checks what can be
checked offline (structure, check character, a real past birth date, and optionally a name/ID
match list). A real identity-check provider (e.g. the national citizen-ID service) plugs in as
another `IdentityVerifier` assigned to `app.state.identity_verifier` in `create_app`; nothing
else changes.
"""

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ValidationError

from porttrust_shared.clients import ServiceClient
from porttrust_shared.errors import DependencyUnavailable
from porttrust_shared.validators import check_id_number

BATCH_LIMIT = 1000


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


class WhitelistStatus(BaseModel):
    number: str
    whitelisted: bool
    category: str | None = None
    entry_id: str | None = None
    expires_at: dt.datetime | None = None
    # The province of the covering entry; only a sub-port of that province is exempt. None:
    # a whitelist that does not say (before entries carried it) is taken at its word.
    province: str | None = None

    def covers(self, province: str) -> bool:
        return self.whitelisted and self.province in (None, province)


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


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    verifier: str
    reason: str | None = None


class IdentityVerifier(Protocol):
    name: str

    async def verify(self, *, name: str, id_number: str) -> VerificationResult: ...


class LocalVerifier:
    name = "local"

    def __init__(self, matches: dict[str, str] | None = None) -> None:
        self._matches = matches

    @classmethod
    def from_file(cls, path: Path | None) -> "LocalVerifier":
        if path is None:
            return cls()
        with path.open(newline="", encoding="utf-8") as handle:
            rows = csv.DictReader(handle)
            return cls({r["id_number"].strip().upper(): r["name"].strip() for r in rows})

    async def verify(self, *, name: str, id_number: str) -> VerificationResult:
        try:
            check_id_number(id_number, today=dt.date.today())
        except ValueError as exc:
            return VerificationResult(False, self.name, str(exc))
        if self._matches is not None and self._matches.get(id_number) != name.strip():
            return VerificationResult(False, self.name, "name and ID number do not match")
        return VerificationResult(True, self.name)
