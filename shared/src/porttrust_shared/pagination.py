"""Cursor pagination: opaque cursors over a stable sort key, `limit` capped."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from porttrust_shared.errors import BadRequest

T = TypeVar("T")
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
