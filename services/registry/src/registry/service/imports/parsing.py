"""Turn an uploaded file into numbered raw rows, or a file-level 422 problem.

Encoding: UTF-8 (with or without BOM), else GB18030 (a superset of GBK). A file that is
neither as a whole is read line by line: undecodable lines become `bad_encoding` row errors
and the others still import; if the header itself is unreadable the file is refused.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from porttrust_shared.errors import Unprocessable
from registry.service.imports.gc_pause import fewer_collections

COLUMNS = ("number", "province", "user_unit_uscc", "user_unit_name", "handler_id",
           "handler_name", "handler_id_number", "handler_phone", "business_type", "purpose",
           "machine_room", "equipment", "monthly_volume", "value_contribution",
           "customer_importance", "status")
# Columns the import reads but the export never writes: instructions, not data.
FLAG_COLUMNS = ("update_handler",)
REQUIRED_COLUMNS = ("number", "province", "user_unit_uscc", "business_type", "purpose",
                    "machine_room", "equipment")


@dataclass(slots=True)
class RawRow:
    """One record as read: `row` is its line number in the file (the CSV header is line 1).
    `clean`: the values are already stripped, blank cells left out (what the CSV reader
    makes; NDJSON values are cleaned when the row is validated)."""

    row: int
    values: dict[str, Any]
    error: str | None = None
    clean: bool = False


@dataclass
class ParsedFile:
    rows: list[RawRow] = field(default_factory=list)
    encoding: str = "utf-8"


class FileRejected(Unprocessable):
    """The whole file is unusable; `code` says why."""


def _decode(data: bytes) -> tuple[str, list[str | None] | None, str]:
    """The file's text, its lines when some cannot be decoded (None for those; the list
    itself is None when the whole text decoded) and the encoding used."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text, None, "utf-8" if encoding == "utf-8-sig" else encoding
    lines: list[str | None] = []
    for raw in data.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
        try:
            line = raw.decode("utf-8").removesuffix("\r")
        except UnicodeDecodeError:
            line = None
        lines.append(None if line is None or "\x00" in line else line)
    if not lines or lines[0] is None:
        raise FileRejected("The file is neither UTF-8 nor GBK/GB18030.", code="bad_encoding")
    return "\n".join(line or "" for line in lines), lines, "mixed"


def parse_csv(data: bytes) -> ParsedFile:
    text, lines, encoding = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _read_csv(reader, lines, encoding, quoted="'" in text)
    except csv.Error:
        raise FileRejected(f"The CSV cannot be read near line {reader.line_num}.",
                           code="bad_csv", line=reader.line_num) from None


def _read_csv(reader: Any, lines: list[str | None] | None, encoding: str,
              quoted: bool) -> ParsedFile:
    """`quoted`: the file has a ' somewhere, so a cell may be one the export neutralised."""
    first = next(reader, None)
    if not first or not any(cell.strip() for cell in first):
        raise FileRejected("The file has no header line.", code="empty_file")
    header = [name.strip().lower() for name in first]
    _check_header(header)
    parsed = ParsedFile(encoding=encoding)
    unreadable = {index for index, line in enumerate(lines or (), start=1) if line is None}
    rows, width = parsed.rows, len(header)
    for cells in reader:
        row = reader.line_num
        if row in unreadable:
            rows.append(RawRow(row, {}, error="bad_encoding"))
            continue
        # Blank cells are values not given; a row of blank cells is no row at all.
        values = {name: value for name, cell in zip(header, cells, strict=False)
                  if (value := cell.strip())}
        if quoted:
            values = {name: unneutralised(value) for name, value in values.items()}
        if len(cells) > width:
            if values or any(cell.strip() for cell in cells[width:]):
                rows.append(RawRow(row, {}, error="bad_row_shape"))
        elif values:
            rows.append(RawRow(row, values, None, True))
    return parsed


def _check_header(header: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FileRejected("Required columns are missing: " + ", ".join(missing),
                           code="missing_columns", missing=missing)
    unknown = sorted({name for name in header if name not in COLUMNS + FLAG_COLUMNS})
    if unknown:
        raise FileRejected("The file has columns this import does not know.",
                           code="unknown_columns", unknown=unknown[:20])
    if len(set(header)) != len(header):
        raise FileRejected("A column appears twice in the header.", code="duplicate_columns")


def parse_ndjson(data: bytes) -> ParsedFile:
    text, lines, encoding = _decode(data)
    if lines is None:
        lines = list(text.replace("\r\n", "\n").split("\n"))
    parsed = ParsedFile(encoding=encoding)
    for index, line in enumerate(lines, start=1):
        if line is None:
            parsed.rows.append(RawRow(index, {}, error="bad_encoding"))
        elif line.strip():
            parsed.rows.append(_json_row(index, line))
    if not parsed.rows:
        raise FileRejected("The file holds no rows.", code="empty_file")
    return parsed


# A record is one flat object; past this many open brackets a line is refused before the
# JSON parser recurses into it (1,000 levels were a RecursionError, a 500).
MAX_NESTING = 32
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep(line: str) -> bool:
    if line.count("[") + line.count("{") <= MAX_NESTING:
        return False
    depth = 0
    for token in _JSON_TOKENS.finditer(line):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif bracket in ("]", "}"):
            depth -= 1
    return False


def _holds_nul(values: dict[str, Any]) -> bool:
    return any("\x00" in key or (isinstance(value, str) and "\x00" in value)
               for key, value in values.items())


def _json_row(row: int, line: str) -> RawRow:
    if _too_deep(line):
        return RawRow(row, {}, error="nested_too_deep")
    try:
        values = json.loads(line)
    except ValueError:
        return RawRow(row, {}, error="bad_json")
    if not isinstance(values, dict):
        return RawRow(row, {}, error="bad_json")
    if "\\u0000" in line and _holds_nul(values):  # PostgreSQL stores no NUL in text
        return RawRow(row, {}, error="nul_character")
    return RawRow(row, values)


def parse_file(data: bytes, kind: str) -> ParsedFile:
    """`kind`: "csv" or "ndjson"."""
    if not data.strip():
        raise FileRejected("The file is empty.", code="empty_file")
    with fewer_collections():
        return parse_ndjson(data) if kind == "ndjson" else parse_csv(data)


# A spreadsheet reads a cell starting with one of these as a formula (CSV injection): the
# export writes it after a ' (shown, not evaluated), and the import takes that ' off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def unneutralised(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def csv_text(rows: list[dict[str, Any]]) -> str:
    """The export format: the import's columns, in order, formula-like cells neutralised."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({name: neutralised(value) for name, value in row.items()} for row in rows)
    return out.getvalue()
