"""Turn an uploaded file into numbered raw rows, or a file-level 422 problem.

Encoding: UTF-8 (with or without BOM), else GB18030 (a superset of GBK). A file that is
neither as a whole is read line by line: undecodable lines become `bad_encoding` row errors
and the others still import; if the header itself is unreadable the file is refused.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from porttrust_shared.errors import Unprocessable

COLUMNS = ("number", "province", "user_unit_uscc", "user_unit_name", "handler_id",
           "handler_name", "handler_id_number", "handler_phone", "business_type", "purpose",
           "machine_room", "equipment", "monthly_volume", "value_contribution",
           "customer_importance")
REQUIRED_COLUMNS = ("number", "province", "user_unit_uscc", "business_type", "purpose",
                    "machine_room", "equipment")


@dataclass
class RawRow:
    """One record as read: `row` is its line number in the file (the CSV header is line 1)."""

    row: int
    values: dict[str, Any]
    error: str | None = None


@dataclass
class ParsedFile:
    rows: list[RawRow] = field(default_factory=list)
    encoding: str = "utf-8"


class FileRejected(Unprocessable):
    """The whole file is unusable; `code` says why."""


def _decode(data: bytes) -> tuple[list[str | None], str]:
    """Lines of the file (None where a line cannot be decoded) and the encoding used."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            whole: list[str | None] = list(text.replace("\r\n", "\n").split("\n"))
            return whole, "utf-8" if encoding == "utf-8-sig" else encoding
    lines: list[str | None] = []
    for raw in data.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
        try:
            line = raw.decode("utf-8").removesuffix("\r")
        except UnicodeDecodeError:
            line = None
        lines.append(None if line is None or "\x00" in line else line)
    if not lines or lines[0] is None:
        raise FileRejected("The file is neither UTF-8 nor GBK/GB18030.", code="bad_encoding")
    return lines, "mixed"


def _text(data: bytes, encoding: str) -> str:
    return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)


def parse_csv(data: bytes) -> ParsedFile:
    lines, encoding = _decode(data)
    text = "\n".join(line or "" for line in lines) if encoding == "mixed" else _text(
        data, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _read_csv(reader, lines, encoding)
    except csv.Error:
        raise FileRejected(f"The CSV cannot be read near line {reader.line_num}.",
                           code="bad_csv", line=reader.line_num) from None


def _read_csv(reader: Any, lines: list[str | None], encoding: str) -> ParsedFile:
    first = next(reader, None)
    if not first or not any(cell.strip() for cell in first):
        raise FileRejected("The file has no header line.", code="empty_file")
    header = [name.strip().lower() for name in first]
    _check_header(header)
    parsed = ParsedFile(encoding=encoding)
    unreadable = {index for index, line in enumerate(lines, start=1) if line is None}
    for cells in reader:
        row = reader.line_num
        if row in unreadable:
            parsed.rows.append(RawRow(row, {}, error="bad_encoding"))
        elif cells and any(cell.strip() for cell in cells):
            parsed.rows.append(_csv_row(row, header, cells))
    return parsed


def _check_header(header: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FileRejected("Required columns are missing: " + ", ".join(missing),
                           code="missing_columns", missing=missing)
    unknown = sorted({name for name in header if name not in COLUMNS})
    if unknown:
        raise FileRejected("The file has columns this import does not know.",
                           code="unknown_columns", unknown=unknown[:20])
    if len(set(header)) != len(header):
        raise FileRejected("A column appears twice in the header.", code="duplicate_columns")


def _csv_row(row: int, header: list[str], cells: list[str]) -> RawRow:
    if len(cells) > len(header):
        return RawRow(row, {}, error="bad_row_shape")
    values = {name: cell for name, cell in zip(header, cells, strict=False)}
    return RawRow(row, values)


def parse_ndjson(data: bytes) -> ParsedFile:
    lines, encoding = _decode(data)
    parsed = ParsedFile(encoding=encoding)
    for index, line in enumerate(lines, start=1):
        if line is None:
            parsed.rows.append(RawRow(index, {}, error="bad_encoding"))
        elif line.strip():
            parsed.rows.append(_json_row(index, line))
    if not parsed.rows:
        raise FileRejected("The file holds no rows.", code="empty_file")
    return parsed


def _json_row(row: int, line: str) -> RawRow:
    try:
        values = json.loads(line)
    except ValueError:
        return RawRow(row, {}, error="bad_json")
    if not isinstance(values, dict):
        return RawRow(row, {}, error="bad_json")
    return RawRow(row, values)


def parse_file(data: bytes, kind: str) -> ParsedFile:
    """`kind`: "csv" or "ndjson"."""
    if not data.strip():
        raise FileRejected("The file is empty.", code="empty_file")
    return parse_ndjson(data) if kind == "ndjson" else parse_csv(data)


def csv_text(rows: list[dict[str, Any]]) -> str:
    """The export format: the import's columns, in order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
