"""Subjects: their keys (a handler's is the blind index of the ID number), find or create by
key, and show them without their ID number."""

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from credit.models import AuditEvent, BlacklistEntry, CreditEvent, ListingProposal, Subject
from credit.schemas import SubjectOut, SubjectRef
from credit.service import Credit
from porttrust_shared.audit import append_audit
from porttrust_shared.pii import PiiCipher, PiiError, mask_id_number

HANDLER = "handler"
KINDS = ("holder", "user_unit", HANDLER)
_SUBJECT_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class SubjectKey:
    kind: str
    lookup_key: str
    id_number: str | None = None  # plaintext, in memory only, when the request carried it


class IdNumberIndex:
    """The blind index of an ID number exactly as `PiiCipher.blind_index(v, field="id_number")`
    computes it: HMAC-SHA256 (RFC 2104) of "id_number\\0" + value under the index key.

    A check hashes up to 1,000 handlers, so the HMAC is run on hashlib's SHA-256 directly: the
    inner and outer pads, with "id_number\\0" already fed to the inner one, are hashed once
    here and copied per value, which takes half the time of `hmac.HMAC`'s Python wrapper. Tests
    hold it equal to the cipher's index.
    """

    _BLOCK = 64  # SHA-256 block size

    def __init__(self, index_key: str) -> None:
        key = base64.b64decode(index_key + "=" * (-len(index_key) % 4))
        if len(key) > self._BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self._BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + b"id_number\0")
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def key_of(ref: SubjectRef, cipher: PiiCipher) -> SubjectKey:
    if ref.kind != HANDLER:
        assert ref.key is not None
        return SubjectKey(ref.kind, ref.key)
    if ref.key is None:
        assert ref.id_number_index is not None
        return SubjectKey(HANDLER, ref.id_number_index)
    return SubjectKey(HANDLER, cipher.blind_index(ref.key, field="id_number"), ref.key)


async def find(session: AsyncSession, key: SubjectKey) -> Subject | None:
    return await session.scalar(select(Subject).where(
        Subject.kind == key.kind, Subject.lookup_key == key.lookup_key))


async def get_or_create(session: AsyncSession, key: SubjectKey, cipher: PiiCipher) -> Subject:
    subject = await find(session, key) or await _create(session, key)
    if key.id_number is not None and subject.id_number_enc is None:
        subject.id_number_enc = cipher.encrypt(key.id_number, field="id_number")
    await session.flush()
    return subject


async def _create(session: AsyncSession, key: SubjectKey) -> Subject:
    """A new subject; when another request created it meanwhile (two events about a new
    subject at once), that one, instead of a unique-key 409 for this request."""
    subject = Subject(kind=key.kind, lookup_key=key.lookup_key)
    try:
        async with session.begin_nested():
            session.add(subject)
    except IntegrityError:
        found = await find(session, key)
        if found is None:
            raise
        return found
    return subject


async def by_public_key(session: AsyncSession, kind: str, key: str) -> Subject | None:
    """A subject as URLs name it: USCC, or a handler's subject id (never an ID number)."""
    if kind == HANDLER:
        if not _SUBJECT_ID.match(key):
            return None
        return await session.scalar(select(Subject).where(Subject.id == key,
                                                          Subject.kind == HANDLER))
    if kind not in KINDS:
        return None
    return await find(session, SubjectKey(kind, key.strip().upper()))


def public_key(subject: Subject) -> str:
    return subject.id if subject.kind == HANDLER else subject.lookup_key


def masked_id_number(subject: Subject, cipher: PiiCipher) -> str | None:
    if subject.id_number_enc is None:
        return None
    try:
        return mask_id_number(cipher.decrypt(subject.id_number_enc, field="id_number"))
    except PiiError:
        return None


def show(subject: Subject, ctx: Credit) -> SubjectOut:
    return SubjectOut(kind=subject.kind, key=public_key(subject),
                      subject_id=subject.id, id_number=masked_id_number(subject, ctx.cipher))


def audit_view(subject: Subject, ctx: Credit) -> dict[str, Any]:
    return show(subject, ctx).model_dump(exclude_none=True)


_ENTITY = {BlacklistEntry: "blacklist_entry", CreditEvent: "credit_event",
           ListingProposal: "listing_proposal"}


async def audit_change(session: AsyncSession, row: BlacklistEntry | CreditEvent | ListingProposal,
                       *, action: str, subject: Subject, actor: str, ctx: Credit,
                       data: dict[str, Any]) -> None:
    """Flush, then audit a change to `row`, one of `subject`'s, naming the subject masked."""
    await session.flush()
    await append_audit(session, AuditEvent, actor=actor, action=action,
                       entity=_ENTITY[type(row)], entity_id=row.id,
                       data={"subject": audit_view(subject, ctx), **data})


def remote_ref(subject: Subject) -> dict[str, str]:
    """How other services name the subject (INTERNAL-CONTRACTS: subject keys)."""
    if subject.kind == HANDLER:
        return {"kind": HANDLER, "id_number_index": subject.lookup_key}
    return {"kind": subject.kind, "key": subject.lookup_key}
