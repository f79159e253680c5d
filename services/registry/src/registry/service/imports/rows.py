"""One import row: the contract's sub-port fields (SubPortCreate's own validators) plus the
user unit's name and the handler's person fields, so a province can import people too."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ValidationError

from porttrust_shared.validators import check_port_number, check_uscc
from registry.schemas.fields import IdNumber, Mobile, PersonName, Text200
from registry.schemas.ports import SubPortCreate
from registry.service.imports.parsing import RawRow

HANDLER_FIELDS = ("handler_name", "handler_id_number", "handler_phone")
# Reason code per field whose value failed its check; anything else is `invalid_value`.
CODES = {"number": "bad_number", "province": "bad_province", "user_unit_uscc": "bad_uscc",
         "handler_id_number": "bad_id_number", "handler_phone": "bad_phone",
         "handler_name": "bad_name"}


@lru_cache(maxsize=65536)
def _uscc(value: str) -> str:
    """schemas.Uscc's check, remembered: a file names the same few user units many times."""
    return check_uscc(value).value


class ImportRow(SubPortCreate):
    # `active`: a live sub-port of the installed base, live even while incomplete (R2).
    status: Literal["registered", "active"] | None = None
    user_unit_uscc: Annotated[str, AfterValidator(_uscc)] | None = None
    user_unit_name: Text200 | None = None
    handler_name: PersonName | None = None
    handler_id_number: IdNumber | None = None
    handler_phone: Mobile | None = None
    # The row's handler_name and handler_phone replace those of the handler its
    # handler_id_number already names (records kept current); otherwise they are ignored.
    update_handler: bool = False


@dataclass(frozen=True)
class RowError:
    row: int
    number: str | None
    code: str
    field: str | None = None
    detail: str | None = None


def _cleaned(raw: RawRow) -> dict[str, Any]:
    """Blank cells are absent values; masked handler cells next to a handler_id are what
    the export writes, so they are dropped rather than refused."""
    clean = raw.values if raw.clean else {
        name: value for name, cell in raw.values.items()
        if (value := cell.strip() if isinstance(cell, str) else cell) is not None
        and value != ""}
    if "handler_id" in clean and not clean.keys().isdisjoint(HANDLER_FIELDS) and any(
            "*" in str(clean.get(name, "")) for name in HANDLER_FIELDS):
        clean = dict(clean)
        for name in HANDLER_FIELDS:
            if "*" in str(clean.get(name, "")):
                del clean[name]
    return clean


def _errors(raw: RawRow, number: str | None, exc: ValidationError) -> list[RowError]:
    out = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else None
        if err["type"] == "missing":
            code = "missing_value"
        elif err["type"] == "extra_forbidden":
            code = "unknown_field"
        else:
            code = CODES.get(name or "", "invalid_value")
        detail = str(err.get("msg", "")).removeprefix("Value error, ")[:200]
        if err["type"] != "value_error":
            detail = "invalid value"
        out.append(RowError(raw.row, number, code, name, detail))
    return out


def _handler_errors(raw: RawRow, data: ImportRow) -> list[RowError]:
    if data.handler_name is None and data.handler_id_number is None \
            and data.handler_phone is None:
        return []
    given = [name for name in HANDLER_FIELDS if getattr(data, name) is not None]
    if data.handler_id:
        return [RowError(raw.row, data.number, "handler_ambiguous", "handler_id",
                         "Give handler_id or the handler's person fields, not both.")]
    if len(given) < len(HANDLER_FIELDS):
        missing = sorted(set(HANDLER_FIELDS) - set(given))
        return [RowError(raw.row, data.number, "handler_incomplete", missing[0],
                         "A new handler needs name, ID number and phone.")]
    if not data.user_unit_uscc:
        return [RowError(raw.row, data.number, "handler_needs_user_unit", "user_unit_uscc",
                         "An imported handler acts for the row's user unit.")]
    return []


def shown_number(value: Any) -> str | None:
    """The row's number as errors may repeat it: only when it is a port number, never (say)
    a phone typed into the wrong column."""
    if not isinstance(value, str):
        return None
    try:
        return check_port_number(value)
    except ValueError:
        return None


def validate_row(raw: RawRow) -> ImportRow | list[RowError]:
    if raw.error:
        return [RowError(raw.row, shown_number(raw.values.get("number")), raw.error, None,
                         "The row could not be read.")]
    try:
        data = _validate(_cleaned(raw))
    except ValidationError as exc:
        return _errors(raw, shown_number(raw.values.get("number")), exc)
    return _handler_errors(raw, data) or data


# ImportRow.model_validate without its keyword plumbing (the same validator, default options).
_validate = ImportRow.__pydantic_validator__.validate_python
