"""Scoping, keyset pagination and the meaning of "active" shared by the domain modules."""

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_

from porttrust_shared.pagination import aware_datetime, cursor_values, encode_cursor
from porttrust_shared.tokens import Principal
from whitelist.models import Application, Entry

Q = TypeVar("Q", bound=Select[Any])
Keyed = type[Application] | type[Entry]


def scoped(query: Q, model: Keyed, actor: Principal) -> Q:
    """A province-bound token sees its own province only."""
    scope = actor.province_scope
    return query if scope is None else query.where(model.province == scope)


def in_scope(province: str, actor: Principal) -> bool:
    scope = actor.province_scope
    return scope is None or scope == province


def after_cursor(query: Q, model: Keyed, cursor: str | None) -> Q:
    """Rows after the cursor in (created_at, id) order."""
    values = cursor_values(cursor, aware_datetime, str)
    if values is None:
        return query
    at, ident = values
    return query.where(or_(model.created_at > at,
                           and_(model.created_at == at, model.id > ident)))


def cursor_of(row: Application | Entry) -> str:
    return encode_cursor([row.created_at.isoformat(), row.id])


def active_clause(now: dt.datetime) -> ColumnElement[bool]:
    return and_(Entry.revoked_at.is_(None), Entry.review_since.is_(None),
                or_(Entry.expires_at.is_(None), Entry.expires_at > now))


def entry_state(entry: Entry, now: dt.datetime) -> str:
    if entry.revoked_at is not None:
        return "revoked"
    if entry.expires_at is not None and entry.expires_at <= now:
        return "expired"
    return "review" if entry.review_since is not None else "active"
