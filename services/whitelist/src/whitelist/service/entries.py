"""Entries: granted protection, its revocation and its expiry."""

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from porttrust_shared.pagination import Keyset
from porttrust_shared.pii import scrub
from porttrust_shared.tokens import Principal
from whitelist.errors import EntryNotActive
from whitelist.models import AuditEvent, Entry, OutboxEvent
from whitelist.schemas import Category, EntryRead
from whitelist.service.scope import one_in_scope, scoped, where_equal

LISTING = Keyset(Entry.created_at, Entry.id)


def active_clause(now: dt.datetime) -> ColumnElement[bool]:
    """An entry protects: not revoked, not under review, not expired."""
    return and_(Entry.revoked_at.is_(None), Entry.review_since.is_(None),
                or_(Entry.expires_at.is_(None), Entry.expires_at > now))


def entry_state(entry: Entry, now: dt.datetime) -> str:
    if entry.revoked_at is not None:
        return "revoked"
    if entry.expires_at is not None and entry.expires_at <= now:
        return "expired"
    return "review" if entry.review_since is not None else "active"


async def get_entry(session: AsyncSession, *, entry_id: str, actor: Principal,
                    for_update: bool = False) -> Entry:
    return await one_in_scope(session, Entry, entry_id, actor, what="entry",
                              for_update=for_update)


async def list_entries(
    session: AsyncSession, *, actor: Principal, province: str | None = None,
    category: Category | None = None, active: bool | None = None, number: str | None = None,
    cursor: str | None = None, limit: int | None = None, max_limit: int = 500,
    uscc: str | None = None,
) -> tuple[list[Entry], str | None]:
    query = where_equal(scoped(select(Entry), Entry, actor), (Entry.province, province),
                        (Entry.category, category and category.value),
                        (Entry.number, number), (Entry.uscc, uscc))
    if active is not None:
        now = utcnow()
        query = query.where(active_clause(now) if active else ~active_clause(now))
    return await LISTING.page(session, query, cursor=cursor, limit=limit, max_limit=max_limit)


async def revoke_entry(session: AsyncSession, *, entry_id: str, reason: str,
                       actor: Principal) -> Entry:
    row = await get_entry(session, entry_id=entry_id, actor=actor, for_update=True)
    now = utcnow()
    if entry_state(row, now) not in ("active", "review"):
        raise EntryNotActive(f"The entry is {entry_state(row, now)}.")
    row.revoked_at, row.revoked_by, row.revoke_reason = now, actor.sub, scrub(reason)
    await _announce_end(session, row, actor=actor.sub, action="entry.revoked")
    return row


async def expire_due(session: AsyncSession, *, now: dt.datetime | None = None,
                     number: str | None = None, uscc: str | None = None,
                     batch: int = 500) -> int:
    """Tell registry about entries whose expiry passed; returns how many were announced."""
    now = now or utcnow()
    query = select(Entry).where(Entry.revoked_at.is_(None), Entry.expires_at <= now,
                                Entry.expiry_announced_at.is_(None))
    if number is not None:
        query = query.where(Entry.number == number)
    if uscc is not None:
        query = query.where(Entry.uscc == uscc)
    query = query.order_by(Entry.expires_at).limit(batch)
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        row.expiry_announced_at = now
        await _announce_end(session, row, actor="system:expiry", action="entry.expired")
    return len(rows)


async def _announce_end(session: AsyncSession, row: Entry, *, actor: str, action: str) -> None:
    await enqueue(session, OutboxEvent, destination="registry", topic="whitelist.revoked",
                  payload={"entry_id": row.id, "number": row.number, "uscc": row.uscc})
    await append_audit(session, AuditEvent, actor=actor, action=action, entity="entry",
                       entity_id=row.id, province=row.province,
                       data={"number": row.number, "uscc": row.uscc, "category": row.category})


def entry_view(row: Entry, now: dt.datetime | None = None) -> EntryRead:
    state = entry_state(row, now or utcnow())
    return EntryRead(
        id=row.id, number=row.number, uscc=row.uscc, province=row.province,
        category=Category(row.category),
        expires_at=row.expires_at, active=state == "active", status=state,
        application_id=row.application_id, applicant=row.applicant, granted_by=row.granted_by,
        created_at=row.created_at, revoked_at=row.revoked_at, revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason, review_since=row.review_since,
        review_reason=row.review_reason)
