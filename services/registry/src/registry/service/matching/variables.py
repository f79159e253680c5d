"""What each variable type accepts; values arrive width-folded and trimmed."""

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from registry.service.matching.kept import Kept
from registry.service.matching.template import Variable

_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_AMOUNT = re.compile(r"[¥$]?\s*(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?\s*元?")
_DATE_DASH = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})")
_DATE_CN = re.compile(r"(?:([0-9]{4})年)?([0-9]{1,2})月([0-9]{1,2})日")
_PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[48]00-?[0-9]{3}-?[0-9]{4}"
                    r"|95[0-9]{3,6}|1[0-2][0-9]{3}")
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
LEAP_YEAR = 2024  # a day-and-month date is real if it exists in some year


def _digits(value: str) -> bool:
    """`[0-9]+`, without a regular expression: isdigit() alone takes other scripts' digits."""
    return value.isascii() and value.isdigit()


def _text(value: str) -> bool:
    """`[^\\r\\n]+`, without a link: a link hidden in a free-text variable is how fraud
    rides a clean template. Either of `_LINK`'s forms holds "://" or ".", so a value with
    neither is not searched."""
    return (value != "" and "\n" not in value and "\r" not in value
            and (("://" not in value and "." not in value) or _LINK.search(value) is None))


def _date(value: str) -> bool:
    found = _DATE_DASH.fullmatch(value) or _DATE_CN.fullmatch(value)
    if found is None:
        return False
    year, month, day = found.groups()
    try:
        dt.date(int(year) if year else LEAP_YEAR, int(month), int(day))
    except ValueError:
        return False
    return True


# `_date`, remembered: a day's messages carry the same few dates.
_date_seen = Kept(_date, 4096).get


def _url(value: str) -> bool:
    parts = urlsplit(value)
    return (parts.scheme in ("http", "https") and " " not in value
            and _HOST.match((parts.hostname or "").lower()) is not None)


CHECKS: dict[str, Callable[[str], bool]] = {
    "digits": _digits,
    "text": _text,
    "amount": lambda v: _AMOUNT.fullmatch(v) is not None,
    "date": _date_seen,
    "url": _url,
    "phone": lambda v: _PHONE.fullmatch(v) is not None,
}


def host_allowed(value: str, allowed_domains: tuple[str, ...]) -> bool:
    host = (urlsplit(value).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in allowed_domains)


def fits(variable: Variable, allowed_domains: tuple[str, ...]) -> Callable[[str], bool]:
    """`check_value(variable, value, allowed_domains) is None`, as one function of the value:
    made once per template, called for every message that reaches the variable."""
    check, limit = CHECKS[variable.type], variable.max
    if variable.type == "url" and allowed_domains:
        return lambda value: (len(value) <= limit and check(value)
                              and host_allowed(value, allowed_domains))
    return lambda value: len(value) <= limit and check(value)


def check_value(variable: Variable, value: str, allowed_domains: tuple[str, ...]) -> str | None:
    """None when the value fits, else the reason code."""
    if len(value) > variable.max:
        return "variable_too_long"
    if not CHECKS[variable.type](value):
        return "variable_type"
    if variable.type == "url" and allowed_domains and not host_allowed(value, allowed_domains):
        return "url_off_list"
    return None
