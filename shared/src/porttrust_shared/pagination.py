"""Cursor pagination: opaque cursors over a stable sort key, `limit` capped.

Every listing pages one way: `Keyset(Model.created_at, Model.id)` (the columns, together
unique, the query is ordered by) and `await keyset.page(session, query, cursor=, limit=,
max_limit=)`. Do not hand-roll the "after the cursor" condition or the cursor of a row."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Row, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeDecorator

from porttrust_shared.db import holds_integer
from porttrust_shared.errors import BadRequest

T = TypeVar("T")
# Any select, of one entity or several (`select(Entry, Subject)`).
AnySelect = Select[*tuple[Any, ...]]
Q = TypeVar("Q", bound=AnySelect)
DEFAULT_LIMIT = 50
MAX_CURSOR_CHARS = 2048
_TAG_BYTES = 8
_CURSOR_KEY = b"porttrust-cursor-v1"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(_tag(raw) + raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The values of a cursor from `encode_cursor`; an edited or made-up one is a 400."""
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadRequest("The cursor is not valid.")
    try:
        data = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, raw = data[:_TAG_BYTES], data[_TAG_BYTES:]
        if not hmac.compare_digest(tag, _tag(raw)):
            raise ValueError("cursor tag mismatch")
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The cursor is not valid.") from None
    if not isinstance(values, list):
        raise BadRequest("The cursor is not valid.")
    return values


def cursor_values(cursor: str | None, *parsers: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """A cursor's values, each through its parser (`int`, `str`, `aware_datetime`...);
    one that does not fit its list of parsers is a 400, never a query on the wrong type."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    if len(values) != len(parsers):
        raise BadRequest("The cursor is not valid.")
    try:
        return tuple(parse(value) for parse, value in zip(parsers, values, strict=True))
    except (ValueError, TypeError):
        raise BadRequest("The cursor is not valid.") from None


def aware_datetime(value: Any) -> dt.datetime:
    """Parser for a timestamp in a cursor: ISO 8601 with a zone."""
    parsed = dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("cursor timestamp without a zone")
    return parsed


def _tag(raw: bytes) -> bytes:
    # An integrity check, not a secret: cursors carry only sort keys, and every query still
    # applies the caller's scope. It turns an edited cursor into a 400 instead of a query on
    # values of the wrong type.
    return hmac.new(_CURSOR_KEY, raw, hashlib.sha256).digest()[:_TAG_BYTES]


def clamp_limit(limit: int | None, maximum: int) -> int:
    if limit is None:
        return min(DEFAULT_LIMIT, maximum)
    if limit < 1:
        raise BadRequest("limit must be at least 1.")
    return min(limit, maximum)


def page_of(rows: list[T], limit: int, key: Any) -> tuple[list[T], str | None]:
    """Given up to limit+1 rows, return the page and the cursor to the next one."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(list(key(page[-1])))


_PARSERS: dict[type, Callable[[Any], Any]] = {dt.datetime: aware_datetime, str: str}


class Keyset:
    """The order of a listing and the cursor that resumes it: rows sorted by `columns`
    (together unique; the last is usually the id), ascending or all `descending`; a page
    holds the rows strictly after the last row of the page before. A cursor value is read
    back with the parser of its column's type (a timestamp must carry its zone), so an
    edited cursor is a 400, never a query on values of the wrong type.

    `page` runs the whole listing; `order`, `after` and `cursor_of` are its steps, for a
    listing that fetches its rows some other way."""

    __slots__ = ("_names", "_parsers", "columns", "descending")

    def __init__(self, *columns: InstrumentedAttribute[Any], descending: bool = False) -> None:
        if not columns:
            raise ValueError("a keyset needs at least one column")
        self.columns, self.descending = columns, descending
        self._names = tuple(column.key for column in columns)
        self._parsers = tuple(_parser(column) for column in columns)

    def order(self, query: Q) -> Q:
        return query.order_by(*(c.desc() if self.descending else c for c in self.columns))

    def after(self, query: Q, cursor: str | None) -> Q:
        """`query` narrowed to the rows after `cursor` (None or empty: unchanged)."""
        values = cursor_values(cursor, *self._parsers)
        return query if values is None else query.where(self._beyond(values))

    def _beyond(self, values: tuple[Any, ...]) -> ColumnElement[bool]:
        # (a, b) after (x, y): a > x, or a = x and b > y; spelled out rather than as a row
        # comparison, which not every index on every database serves.
        steps: list[ColumnElement[bool]] = []
        for i, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            step = column < value if self.descending else column > value
            equal = [c == v for c, v in zip(self.columns[:i], values[:i], strict=True)]
            steps.append(and_(*equal, step) if equal else step)
        return or_(*steps) if len(steps) > 1 else steps[0]

    def cursor_of(self, row: Any) -> str:
        """The cursor that resumes after `row`: an entity, or a result row (its columns by
        name, or the keyed entity first, as in `select(Entry, Subject)`)."""
        if isinstance(row, Row) and self._names[0] not in row._fields:
            row = row[0]
        return encode_cursor([_plain(getattr(row, name)) for name in self._names])

    async def page(self, session: AsyncSession, query: AnySelect, *, cursor: str | None,
                   limit: int | None, max_limit: int) -> tuple[list[Any], str | None]:
        """One page of `query` (filtered, not yet ordered or limited) after `cursor`, and the
        cursor of the next page (None on the last). A query of one entity gives entities,
        any other its result rows."""
        size = clamp_limit(limit, max_limit)
        result = await session.execute(self.after(self.order(query), cursor).limit(size + 1))
        rows = list(result.scalars() if _one_entity(query) else result.all())
        if len(rows) <= size:
            return rows, None
        return rows[:size], self.cursor_of(rows[size - 1])


def _parser(column: InstrumentedAttribute[Any]) -> Callable[[Any], Any]:
    """How a cursor value of `column` is read back: by the column's Python type (a
    TypeDecorator's, such as UTCDateTime, by the type it decorates); an integer only within
    the column's range, which PostgreSQL would refuse to compare with it (a 500)."""
    kind = column.type
    kind = kind.impl_instance if isinstance(kind, TypeDecorator) else kind
    if kind.python_type is int:
        return functools.partial(_bounded_int, column=column)
    return _PARSERS[kind.python_type]


def _bounded_int(value: Any, *, column: InstrumentedAttribute[Any]) -> int:
    number = int(value)
    if not holds_integer(column, number):
        raise ValueError("cursor value outside the column's range")
    return number


def _one_entity(query: AnySelect) -> bool:
    described = query.column_descriptions
    return len(described) == 1 and described[0]["expr"] is described[0]["entity"]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value
