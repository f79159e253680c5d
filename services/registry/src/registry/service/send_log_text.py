"""The send log's rows in COPY's text format (send_log_writer.CopyLogWriter sends them).
Compiled with mypyc (registry.compiled): a batch writes a thousand lines."""

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

# COPY's text format: what a value must escape (the delimiter, the line end, the escape).
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_BOOLEANS = ("f", "t")
_INFINITE = {dt.datetime.max: "infinity", dt.datetime.min: "-infinity"}
_NULL = "\\N"


def copy_text(rows: Sequence[tuple[Any, ...]], text_columns: tuple[int, ...]) -> bytes:
    """The rows as COPY's text format reads them: a line a row, a tab between values, `\\N`
    for NULL; backslash, tab, line feed and carriage return escaped in every text value (a
    column is escaped only when one of its values needs it: `_escaped`); the time in UTC with
    its offset (ISO 8601, read alike under any DateStyle and TimeZone); booleans `t`/`f`;
    the reasons as `_records` writes them (one `json.dumps` a distinct list). UTF-8, as the
    driver's connection speaks. A NUL, which no PostgreSQL text holds, is sent as it is and
    refused by the server, as binary COPY and the INSERT refuse it: the group fails (503),
    nothing of it is logged (a body's text cannot hold one, 422; a token's subject might).
    Binary records cost more: asyncpg encodes them value by value."""
    if rows:
        rows = _escaped(rows, text_columns)
    stamps: dict[dt.datetime, str] = {}
    texts: dict[tuple[str, ...], str] = {}
    lines = []
    for (at, number, province, index, masked, allowed, enforced, reasons, template, actor,
         digest, length) in rows:
        stamp = stamps.get(at)
        if stamp is None:
            stamp = stamps[at] = _stamp(at)
        key = tuple(reasons)
        text = texts.get(key)
        if text is None:
            text = texts[key] = json.dumps(reasons).translate(_ESCAPES)
        lines.append(
            f"{stamp}\t{number}\t{_NULL if province is None else province}\t"
            f"{_NULL if index is None else index}\t{masked}\t{_BOOLEANS[allowed]}\t"
            f"{_BOOLEANS[enforced]}\t{text}\t{_NULL if template is None else template}\t"
            f"{actor}\t{digest}\t{length}\n")
    return "".join(lines).encode()


def _stamp(at: dt.datetime) -> str:
    """The instant in UTC, as asyncpg's binary encoder reads a datetime: a naive one is local
    time; the first and last a datetime holds are PostgreSQL's -infinity and infinity."""
    infinite = _INFINITE.get(at)
    if infinite is not None:
        return infinite
    utc = at.astimezone(dt.UTC)
    return _INFINITE.get(utc.replace(tzinfo=None)) or utc.isoformat()


def _escaped(rows: Sequence[tuple[Any, ...]], text_columns: tuple[int, ...]
             ) -> Sequence[tuple[Any, ...]]:
    """`rows` themselves when no text value holds a character to escape (one scan a character
    over all of them); else the rows with each column that holds one escaped, each distinct
    value once (a token's odd subject is one value for the whole batch)."""
    columns = list(zip(*rows, strict=True))
    if _plain(chain.from_iterable(columns[at] for at in text_columns)):
        return rows
    for at in text_columns:
        if not _plain(columns[at]):
            escaped = {v: v.translate(_ESCAPES) for v in set(columns[at]) if v is not None}
            columns[at] = tuple(map(escaped.get, columns[at]))  # None stays None
    return list(zip(*columns, strict=True))


def _plain(values: Iterable[str | None]) -> bool:
    joined = "".join(filter(None, values))
    return not ("\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined)
