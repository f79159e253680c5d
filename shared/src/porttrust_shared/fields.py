"""Field types that carry the domain rules into the OpenAPI document as well as validation.

Each is the rule JSON Schema can state (a pattern, an enum, a length, a format), enforced
exactly as documented, plus what it cannot state in its description (check characters,
birth dates). Use these in request schemas, query and path parameters instead of a bare
`str`/`datetime`: a generated client, Swagger UI and a fuzzer then know what is accepted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from porttrust_shared.tokens import HQ, ROLES
from porttrust_shared.validators import PROVINCES, check_id_number, check_uscc

# [0-9], not \d: JSON Schema's \d is ASCII, Python's and pydantic's are Unicode.
USCC_PATTERN = r"^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$"
PORT_PATTERN = r"^106[0-9]{5,18}$"
ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"
ISO_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME: TypeAdapter[dt.datetime] = TypeAdapter(dt.datetime)
EXAMPLES = {USCC_PATTERN: "91350100M000100Y43", PORT_PATTERN: "10690123",
            ID_NUMBER_PATTERN: "11010519491231002X"}


def _uscc(value: str) -> str:
    check_uscc(value)  # the shape; a check-character mismatch is flagged later, not refused
    return value


def _province(value: str) -> str:
    if value not in PROVINCES:
        raise ValueError("province must be a GB/T 2260 two-digit code of one of the 31 provinces")
    return value


def _province_or_hq(value: str) -> str:
    return value if value == HQ else _province(value)


def _role(value: str) -> str:
    if value not in ROLES:
        raise ValueError("role must be one of: " + ", ".join(sorted(ROLES)))
    return value


def _iso_datetime(value: Any) -> Any:
    # pydantic would take 0 or "0" as a Unix timestamp; the contract says ISO 8601.
    if isinstance(value, dt.datetime):
        return _in_utc_years(value)
    if not isinstance(value, str) or not ISO_DATETIME.match(value):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-01-01T08:00:00Z")
    with contextlib.suppress(ValidationError):  # not a real date or time: the type says so
        _in_utc_years(_DATETIME.validate_python(value))
    return value


def _in_utc_years(value: dt.datetime) -> dt.datetime:
    """Years 1-9999 *in UTC*: `9999-12-31T23:59:59-23:59` is valid ISO 8601, but every
    service stores and compares moments in UTC, where Python overflows (a 500, not a 422)."""
    if value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("must lie between the years 1 and 9999 in UTC") from None
    return value


def _iso_date(value: Any) -> Any:
    # pydantic would take 0 or "0" as a Unix timestamp's day; the contract says YYYY-MM-DD.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("must be an ISO 8601 date, e.g. 2026-01-01")
    return value


Uscc = Annotated[str, Field(
    pattern=USCC_PATTERN, min_length=18, max_length=18, examples=["91350100M000100Y43"],
    description="Unified social credit code (GB 32100-2015): 18 characters from "
                "0-9 and A-Y without I, O, S, V, Z. The 18th is a check character "
                "(weighted sum mod 31); a code whose check character disagrees is accepted "
                "and flagged for manual review, as some genuine early codes do."),
    AfterValidator(_uscc)]
PortNumber = Annotated[str, Field(
    pattern=PORT_PATTERN, min_length=8, max_length=21, examples=["10690123"],
    description="Industry SMS port or sub-port: 106 and 5-18 more digits, at most 21 "
                "(CMPP Src_Id). The 4th digit is the class: 2/6 fee-charging, 3/9 "
                "non-fee-charging, 5 the operator's own, 4 M2M.")]
IdNumber = Annotated[str, Field(
    pattern=ID_NUMBER_PATTERN, examples=["11010519491231002X"],
    description="Resident ID number (GB 11643-1999): 17 digits and a check character "
                "(weighted sum mod 11, X for 10), with a real past birth date in digits "
                "7-14. Only ever returned masked."),
    AfterValidator(check_id_number)]
Province = Annotated[str, Field(
    json_schema_extra={"enum": sorted(PROVINCES)}, examples=["44"],
    description="GB/T 2260 two-digit code of one of the 31 provinces."),
    AfterValidator(_province)]
ProvinceOrHQ = Annotated[str, Field(
    json_schema_extra={"enum": [*sorted(PROVINCES), HQ]}, examples=["44"],
    description="GB/T 2260 two-digit province code, or HQ (headquarters: every province)."),
    AfterValidator(_province_or_hq)]
Role = Annotated[str, Field(json_schema_extra={"enum": sorted(ROLES)}), AfterValidator(_role)]
# Free text a person writes (a reason, evidence, a justification, a complaint): trimmed, then
# 1 to 2,000 characters.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# For an AwareDatetime or other datetime field: Annotated[AwareDatetime, Iso8601].
Iso8601 = BeforeValidator(_iso_datetime)
IsoDateTime = Annotated[dt.datetime, Iso8601, Field(
    examples=["2026-01-01T08:00:00Z"],
    description="ISO 8601 date-time, years 1-9999 in UTC; without an offset it is "
                "taken as UTC.")]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), Field(
    examples=["2026-01-01"], description="ISO 8601 calendar date, YYYY-MM-DD.")]
