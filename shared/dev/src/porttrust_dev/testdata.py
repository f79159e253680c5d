"""Valid identifiers for tests and benchmarks, with real check characters: the one place
that makes them (tests, end-to-end flows and bench cases import these)."""

from __future__ import annotations

from porttrust_shared.validators import id_check_char, uscc_check_char

USCC_PREFIX = "91440300MA5"  # enterprise (9, 1), Shenzhen (440300), then the serial


def uscc(serial: int, *, prefix: str = USCC_PREFIX) -> str:
    """A valid USCC (GB 32100-2015 check character): `prefix`, the serial zero-padded to 17
    characters, the check character. One serial, one USCC."""
    body = f"{prefix}{serial:0{17 - len(prefix)}d}"
    if len(body) != 17:
        raise ValueError(f"serial {serial} does not fit after {prefix!r}")
    return body + uscc_check_char(body)


def id_number(serial: int, *, region: str = "110105", born: str = "19800101") -> str:
    """A valid resident ID number (GB 11643-1999 check character): region, birth date
    (YYYYMMDD), a three-digit serial (0-999), the check character."""
    if not 0 <= serial <= 999:
        raise ValueError(f"serial {serial} is not 0-999")
    body = f"{region}{born}{serial:03d}"
    return body + id_check_char(body)
