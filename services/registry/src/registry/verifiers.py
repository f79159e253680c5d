"""Identity verification of handlers behind one interface.

The local verifier checks what can be checked offline (structure, check character, a real past
birth date, and optionally a name/ID match list). A real identity-check provider (e.g. the
national citizen-ID service) plugs in as another `IdentityVerifier` assigned to
`app.state.identity_verifier` in `create_app`; nothing else changes.
"""

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from porttrust_shared.validators import check_id_number


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
