"""Blacklist screening before a port or sub-port is registered or activated.

Local restrictions (pushed by credit as sanctions) refuse at once, before credit is asked;
then credit's blacklist check decides. Credit unreachable → 503 and nothing changes.

What a listing bars depends on its sanctions: `restrict_business` refuses new ports, new
sub-ports and activations (business growth); `suspend_cooperation` refuses bringing a sub-port
into service (activate, resume) but not a registration. An answer naming no sanctions (an
older credit) counts as both.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.pii import PiiCipher
from registry.clients import BlacklistChecker, Subject
from registry.errors import Blacklisted
from registry.models import Handler, Restriction


@dataclass(frozen=True)
class Party:
    """A subject to screen: `key` goes to credit, `local_key` matches restrictions, `shown`
    is what a refusal may say about it (never an ID number)."""

    kind: str
    key: str
    local_key: str
    shown: dict[str, Any]


def organization_party(kind: str, uscc: str) -> Party:
    return Party(kind, uscc, uscc, {"kind": kind, "key": uscc})


def handler_party(handler: Handler, cipher: PiiCipher) -> Party:
    id_number = cipher.decrypt(handler.id_number_enc, field="id_number")
    return Party("handler", id_number, handler.id_number_index,
                 {"kind": "handler", "id": handler.id})


Purpose = Literal["register", "activate"]
BOTH = ("suspend_cooperation", "restrict_business")


def bars(sanctions: Iterable[str] | None, purpose: Purpose) -> bool:
    """Whether a listing with these sanctions refuses `purpose` (see the module doc)."""
    held = set(BOTH if sanctions is None else sanctions)
    return "restrict_business" in held or (purpose == "activate" and bool(held))


async def restricted(session: AsyncSession, parties: list[Party],
                     purpose: Purpose = "register") -> list[Party]:
    keys = {p.local_key for p in parties}
    rows = (await session.execute(
        select(Restriction.subject_kind, Restriction.subject_key, Restriction.sanctions).where(
            Restriction.subject_key.in_(keys), Restriction.lifted_at.is_(None))
    )).all()
    held: dict[tuple[str, str], set[str]] = {}
    for kind, key, sanctions in rows:
        held.setdefault((kind, key), set()).update(sanctions or BOTH)
    return [p for p in parties
            if (p.kind, p.local_key) in held and bars(held[(p.kind, p.local_key)], purpose)]


async def screen(session: AsyncSession, *, parties: list[Party], credit: BlacklistChecker,
                 purpose: Purpose = "register") -> None:
    """Raise Blacklisted if a party's listing (here or at credit) bars `purpose`."""
    if not parties:
        return
    refused = await restricted(session, parties, purpose)
    if refused:
        raise Blacklisted([p.shown for p in refused])
    results = await credit.check([Subject(kind=p.kind, key=p.key) for p in parties])
    listed = [p.shown for p, r in zip(parties, results, strict=True)
              if r.blacklisted and bars(r.sanctions, purpose)]
    if listed:
        raise Blacklisted(listed)
