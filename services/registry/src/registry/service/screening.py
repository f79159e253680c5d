"""Blacklist screening before a port or sub-port is registered or activated.

Local restrictions (pushed by credit as sanctions) refuse at once, before credit is asked;
then credit's blacklist check decides. Credit unreachable → 503 and nothing changes.
"""

from dataclasses import dataclass
from typing import Any

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


async def restricted(session: AsyncSession, parties: list[Party]) -> list[Party]:
    keys = {p.local_key for p in parties}
    rows = (await session.execute(
        select(Restriction.subject_kind, Restriction.subject_key).where(
            Restriction.subject_key.in_(keys), Restriction.lifted_at.is_(None))
    )).all()
    hits = {(kind, key) for kind, key in rows}
    return [p for p in parties if (p.kind, p.local_key) in hits]


async def screen(session: AsyncSession, *, parties: list[Party],
                 credit: BlacklistChecker) -> None:
    """Raise Blacklisted if any party is restricted here or blacklisted at credit."""
    if not parties:
        return
    refused = await restricted(session, parties)
    if refused:
        raise Blacklisted([p.shown for p in refused])
    results = await credit.check([Subject(kind=p.kind, key=p.key) for p in parties])
    listed = [p.shown for p, r in zip(parties, results, strict=True) if r.blacklisted]
    if listed:
        raise Blacklisted(listed)
