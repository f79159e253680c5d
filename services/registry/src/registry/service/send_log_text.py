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
    for NULL; backslash, tab, line feed and carriage return escaped in every text value; the
    time in UTC with its offset (ISO 8601, read alike under any DateStyle and TimeZone);
    booleans `t`/`f`; the reasons as `_records` writes them (one `json.dumps` a distinct
    list). UTF-8, as the driver's connection speaks. A NUL, which no PostgreSQL text holds, is
    sent as it is and refused by the server, as binary COPY and the INSERT refuse it: the
    group fails (503), nothing of it is logged (a body's text cannot hold one, 422; a token's
    subject might). Binary records cost more: asyncpg encodes them value by value.

    The lines are written first as they are. If the text then holds more tabs, line feeds or
    backslashes than the lines' own (11 tabs and a line feed a row, the backslashes of `\\N`
    and of the reasons), or any carriage return, some value holds one of them, and the lines
    are written again from the rows with each text column that needs it escaped (`_escaped`).
    Most batches hold none: the text is scanned four times, and the rows (by now out of the
    CPU's caches) are not read again."""
    text, backslashes = _lines(rows)
    if (text.count("\t") == 11 * len(rows) and text.count("\n") == len(rows)
            and text.count("\\") == backslashes and "\r" not in text):
        return text.encode()
    return _lines(_escaped(rows, text_columns))[0].encode()


def _lines(rows: Sequence[tuple[Any, ...]]) -> tuple[str, int]:
    """The rows' lines, and how many backslashes they hold of their own making (`\\N`, and
    those of the reasons' JSON)."""
    stamps: dict[dt.datetime, str] = {}
    texts: dict[tuple[str, ...], tuple[str, int]] = {}
    lines = []
    backslashes = 0
    for (at, number, province, index, masked, allowed, enforced, reasons, template, actor,
         digest, length) in rows:
        stamp = stamps.get(at)
        if stamp is None:
            stamp = stamps[at] = _stamp(at)
        key = tuple(reasons)
        kept = texts.get(key)
        if kept is None:
            text = json.dumps(reasons).translate(_ESCAPES)
            kept = texts[key] = (text, text.count("\\"))
        text, held = kept
        backslashes += held
        if province is None:
            province, backslashes = _NULL, backslashes + 1
        if index is None:
            index, backslashes = _NULL, backslashes + 1
        if template is None:
            template, backslashes = _NULL, backslashes + 1
        lines.append(
            f"{stamp}\t{number}\t{province}\t{index}\t{masked}\t{_BOOLEANS[allowed]}\t"
            f"{_BOOLEANS[enforced]}\t{text}\t{template}\t{actor}\t{digest}\t{length}\n")
    return "".join(lines), backslashes


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
