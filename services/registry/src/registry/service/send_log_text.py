"""The send log's rows in COPY's text format (send_log_writer.CopyLogWriter sends them).
Compiled with mypyc (registry.compiled): a batch writes a thousand lines."""

import datetime as dt
import json
from collections.abc import Iterable, Sequence
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
    Binary records cost more: asyncpg encodes them value by value.

    The lines are written as they are first, and read once for what a value could hold that
    needs escaping: no backslash or carriage return, and exactly one tab between values and
    one line feed a row, mean no value held one (each would add to the count); otherwise
    they are written again from the rows escaped. Read so, the text costs a scan of memory
    just written, where reading each row's values again (`_escaped`) missed the caches."""
    text, nulls = _lines(rows)
    data = text.encode()
    if rows and not _plain_lines(data, len(rows), len(rows[0]), nulls):
        data = _lines(_escaped(rows, text_columns))[0].encode()
    return data


def _plain_lines(data: bytes, rows: int, columns: int, nulls: int) -> bool:
    """Whether no value of `data` (`rows` lines of `columns` values, `nulls` of them NULL)
    held a character to escape: each such character adds to its count. (Counted in UTF-8,
    where no other character's bytes are ASCII.)"""
    return (b"\r" not in data and data.count(b"\n") == rows
            and data.count(b"\t") == rows * (columns - 1) and data.count(b"\\") == nulls)


def _lines(rows: Sequence[tuple[Any, ...]]) -> tuple[str, int]:
    """The rows' lines, values as they are, and how many NULLs they hold (`\\N` each)."""
    stamps: dict[dt.datetime, str] = {}
    texts: dict[tuple[str, ...], str] = {}
    lines = []
    nulls = 0
    for (at, number, province, index, masked, allowed, enforced, reasons, template, actor,
         digest, length) in rows:
        if province is None or index is None or template is None:
            nulls += (province is None) + (index is None) + (template is None)
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
    return "".join(lines), nulls


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
    """The rows with each text column that holds a character to escape escaped, each
    distinct value once (a token's odd subject is one value for the whole batch)."""
    columns = list(zip(*rows, strict=True))
    for at in text_columns:
        if not _plain(columns[at]):
            escaped = {v: v.translate(_ESCAPES) for v in set(columns[at]) if v is not None}
            columns[at] = tuple(map(escaped.get, columns[at]))  # None stays None
    return list(zip(*columns, strict=True))


def _plain(values: Iterable[str | None]) -> bool:
    joined = "".join(filter(None, values))
    return not ("\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined)
