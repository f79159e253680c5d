"""Reads: the bulk blacklist check, the blacklist listing and a subject's record."""

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, Select, Text, and_, any_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from credit.models import BlacklistEntry, CreditEvent, Subject
from credit.schemas import ALL_SANCTIONS, BlacklistEntryRead, CheckSubject, SubjectRead
from credit.service import Credit
from credit.service.scoring import level_of, score_at
from credit.service.subjects import HANDLER, KINDS, by_public_key, show
from credit.service.views import active_entry, is_active, show_entry, show_event
from porttrust_shared.changes import ReadCache
from porttrust_shared.db import UTCDateTime, is_postgres, read_session, utcnow
from porttrust_shared.errors import NotFound, Unprocessable
from porttrust_shared.pagination import Keyset
from porttrust_shared.validators import ID_SHAPE, USCC_SHAPE

HISTORY_LIMIT = 200
_SHAPES = {"holder": USCC_SHAPE, "user_unit": USCC_SHAPE, "handler": ID_SHAPE}
# One shape per line, for checking a kind's keys joined by newlines in one call.
_MANY_SHAPES = {kind: re.compile(f"(?:{shape.pattern[1:-1]}\n)*{shape.pattern[1:-1]}")
                for kind, shape in _SHAPES.items()}
EntryQuery = Select[BlacklistEntry, Subject]


async def check_subjects(sessions: async_sessionmaker[AsyncSession], *,
                         refs: list[CheckSubject], ctx: Credit,
                         cache: "CheckCache | None" = None) -> bytes:
    """The check's JSON answer, `{"results": [...]}` in request order, as bytes.

    Subjects credit has answered since the blacklist last changed come from `cache`
    (porttrust_shared.changes); the rest from one indexed query on active entries, whatever
    their number, and JSON built from fragments: this is the hot path registry calls before
    every registration.
    """
    keys = lookup_keys(refs, ctx)
    # Taken before anything is read: answers loaded below are kept only if nothing changed.
    token = cache.token() if cache is not None else None
    if token is None:
        cache = None  # not live: nothing to read from memory or keep
    found: dict[tuple[str, str], Listed] = {}
    wanted = set(keys)
    if cache is not None:
        for key in keys:
            held, listed = cache.peek(key)
            if held:
                wanted.discard(key)
                if listed is not None:
                    found[key] = listed
    if wanted:
        now = utcnow()
        async with read_session(sessions) as session:
            listings = await active_listings(session, {lookup for _, lookup in wanted}, now)
        for key in wanted:
            listed = listings.get(key)
            if listed is not None:
                found[key] = listed
            if cache is not None:
                # Right until the earliest of its entries expires, or until a change.
                until = listed.valid_until if listed is not None else None
                cache.put(key, listed, token, valid_for=(
                    None if until is None else (until - now).total_seconds()))
    return render_results(keys, found)


def lookup_keys(refs: list[CheckSubject], ctx: Credit) -> list[tuple[str, str]]:
    """(kind, lookup key) per subject: USCC upper-cased, or a handler's blind index."""
    if not refs:
        return []  # the bulk path below would split "" into one key for no subject
    kinds = [ref["kind"] for ref in refs]
    keys = [ref.get("key") for ref in refs]
    # The usual body, {kind, key} only, is upper-cased and shape-checked in bulk; anything
    # else (an id_number_index, a bad shape) is gone through one by one.
    if set(map(len, refs)) - {2} or None in keys:
        return _lookup_keys_one_by_one(refs, ctx)
    upper = "\n".join(cast(list[str], keys)).upper().split("\n")  # keys are [0-9A-Za-z]{18}
    if not all(_all_match(kind, [k for k, key in zip(kinds, upper, strict=True) if k == kind])
               for kind in set(kinds)):
        return _lookup_keys_one_by_one(refs, ctx)
    index = ctx.id_number_index
    return [(kind, index(key) if kind == HANDLER else key)
            for kind, key in zip(kinds, upper, strict=True)]


def _all_match(kind: str, keys: list[str]) -> bool:
    return _MANY_SHAPES[kind].fullmatch("\n".join(keys)) is not None


def _lookup_keys_one_by_one(refs: list[CheckSubject], ctx: Credit) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for position, ref in enumerate(refs):
        kind, key, given_index = ref["kind"], ref.get("key"), ref.get("id_number_index")
        if key is None:
            if kind != HANDLER or given_index is None:
                raise _bad_subject(position)
            keys.append((HANDLER, given_index))
            continue
        key = key.upper()
        if given_index is not None or not _SHAPES[kind].match(key):
            raise _bad_subject(position)
        keys.append((kind, ctx.id_number_index(key) if kind == HANDLER else key))
    return keys


def _bad_subject(position: int) -> Unprocessable:
    return Unprocessable("A subject is not valid.", errors=[{
        "loc": ["body", "subjects", str(position)], "type": "value_error",
        "msg": "give a USCC or ID number as key, or a handler's id_number_index"}])


@dataclass(frozen=True, slots=True)
class Listed:
    """What the check tells about a blacklisted subject: its oldest active entry, the
    sanctions of all its active entries, and when the earliest of them expires (None: not
    before a change)."""

    entry_id: str
    since: dt.datetime
    reason: str
    valid_until: dt.datetime | None = None
    sanctions: tuple[str, ...] = ()


def _active_listings_query(keys: ColumnElement[bool]) -> Select[
        str, str, str, dt.datetime, str, dt.datetime | None, list[str]]:
    # Active entries carry their subject's kind and key (`ix_blacklist_entries_active_subject`,
    # partial on lifted_at IS NULL), so the check never reads the subjects table.
    e, now = BlacklistEntry, bindparam("now", type_=UTCDateTime())
    return (select(e.subject_kind, e.subject_lookup_key, e.id, e.listed_at, e.reason,
                   e.expires_at, e.sanctions)
            .where(keys, e.lifted_at.is_(None), or_(e.expires_at.is_(None), e.expires_at > now))
            .order_by(e.listed_at.desc()))


# The keys travel as one text parameter, split by the database: encoding 1,000 bind values
# (or an array of 1,000) costs the client more CPU than the whole query costs PostgreSQL.
# PostgreSQL gets them comma-separated, which is safe because no key holds a comma (USCCs are
# [0-9A-Z], indexes hex); SQLite gets a JSON array, which it also uses the partial index for.
_ON_POSTGRES = _active_listings_query(BlacklistEntry.subject_lookup_key == any_(
    func.string_to_array(bindparam("keys", type_=Text()), ",")))
_ON_SQLITE = _active_listings_query(BlacklistEntry.subject_lookup_key.in_(
    select(func.json_each(bindparam("keys", type_=Text())).table_valued("value").c.value)))


async def active_listings(session: AsyncSession, lookups: set[str],
                          now: dt.datetime) -> dict[tuple[str, str], Listed]:
    """Active entries by (kind, lookup key) for any kind with one of `lookups` as its key."""
    connection = await session.connection()
    if is_postgres(connection):
        query, keys = _ON_POSTGRES, ",".join(lookups)
    else:
        query, keys = _ON_SQLITE, json.dumps(list(lookups))
    rows = await connection.execute(query, {"keys": keys, "now": now})
    # Oldest last, so it wins: "since" is when the subject was first barred.
    found: dict[tuple[str, str], Listed] = {}
    for kind, lookup, entry_id, listed_at, reason, expires_at, sanctions in rows:
        earlier = found.get((kind, lookup))
        until = _earliest(expires_at, earlier.valid_until if earlier else None)
        held = set(sanctions or ()) | set(earlier.sanctions if earlier else ())
        found[(kind, lookup)] = Listed(entry_id, listed_at, reason, until,
                                       tuple(k for k in ALL_SANCTIONS if k in held))
    return found


# A subject's answer by (kind, lookup key): its listing, or None for "not blacklisted".
CheckCache = ReadCache[tuple[str, str], Listed | None]


def _earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return b if a is None else a if b is None else min(a, b)


_NOT_LISTED = {kind: json.dumps({"kind": kind, "blacklisted": False, "since": None,
                                 "reason": None, "entry_id": None, "sanctions": None},
                                separators=(",", ":")).encode() for kind in KINDS}


def render_results(keys: list[tuple[str, str]],
                   found: dict[tuple[str, str], Listed]) -> bytes:
    """`{"results": [...]}` as compact UTF-8 JSON; the answer for an unlisted subject is a
    constant per kind, so only blacklisted ones are encoded."""
    parts = []
    for kind, lookup in keys:
        listed = found.get((kind, lookup))
        parts.append(_NOT_LISTED[kind] if listed is None else _listed_json(kind, listed))
    return b'{"results":[' + b",".join(parts) + b"]}"


def _listed_json(kind: str, listed: Listed) -> bytes:
    return json.dumps({"kind": kind, "blacklisted": True, "since": listed.since.isoformat(),
                       "reason": listed.reason, "entry_id": listed.entry_id,
                       "sanctions": list(listed.sanctions)},
                      ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class EntryFilters:
    kind: str | None = None
    status: str | None = None
    origin: str | None = None
    case_ref: str | None = None
    subject_id: str | None = None


async def list_entries(session: AsyncSession, *, filters: EntryFilters, cursor: str | None,
                       limit: int | None,
                       ctx: Credit) -> tuple[list[BlacklistEntryRead], str | None]:
    """Newest first; the cursor carries (listed_at, id) of the last entry shown."""
    query = _filtered(select(BlacklistEntry, Subject)
                      .join(Subject, Subject.id == BlacklistEntry.subject_id), filters)
    rows, next_cursor = await _NEWEST_FIRST.page(session, query, cursor=cursor, limit=limit,
                                                 max_limit=ctx.page_limit_max)
    now = utcnow()
    return [show_entry(entry, show(subject, ctx), now) for entry, subject in rows], next_cursor


_NEWEST_FIRST = Keyset(BlacklistEntry.listed_at, BlacklistEntry.id, descending=True)


def _filtered(query: EntryQuery, f: EntryFilters) -> EntryQuery:
    e, now = BlacklistEntry, utcnow()
    status = {"active": is_active(now), "lifted": e.lifted_at.is_not(None),
              "expired": and_(e.lifted_at.is_(None), e.expires_at <= now)}
    conditions = [
        Subject.kind == f.kind if f.kind else None,
        status[f.status] if f.status else None,
        e.origin == f.origin if f.origin else None,
        e.case_ref == f.case_ref if f.case_ref else None,
        e.subject_id == f.subject_id if f.subject_id else None,
    ]
    return query.where(*(c for c in conditions if c is not None))


async def subject_record(session: AsyncSession, *, kind: str, key: str, at: dt.datetime | None,
                         ctx: Credit) -> SubjectRead:
    subject = await by_public_key(session, kind, key)
    if subject is None:
        raise NotFound("No credit record for this subject.")
    at = at or utcnow()
    events = (await session.execute(
        select(CreditEvent).where(CreditEvent.subject_id == subject.id)
        .order_by(CreditEvent.occurred_at.desc()))).scalars().all()
    score = score_at(((ev.type, ev.occurred_at) for ev in events), at=at, policy=ctx.policy)
    entries = (await session.execute(
        select(BlacklistEntry).where(BlacklistEntry.subject_id == subject.id)
        .order_by(BlacklistEntry.listed_at.desc()))).scalars().all()
    active, shown = await active_entry(session, subject.id), show(subject, ctx)
    return SubjectRead(
        subject=shown, at=at, score=score, level=level_of(score),
        blacklisted=active is not None,
        active_entry=show_entry(active, shown) if active else None,
        events=[show_event(ev, shown) for ev in events[:HISTORY_LIMIT]],
        entries=[show_entry(en, shown) for en in entries[:HISTORY_LIMIT]])

