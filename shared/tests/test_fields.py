"""Request field types: what they accept is exactly what they document."""

import datetime as dt
from typing import Annotated

import pytest
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from porttrust_shared.fields import Iso8601, IsoDateTime

AWARE = TypeAdapter(Annotated[AwareDatetime, Iso8601])
ANY_ZONE = TypeAdapter(IsoDateTime)
# Valid ISO 8601 whose offset pushes the moment past year 9999 or before year 1 in UTC: no
# service could store or compare it (Python raises OverflowError, not a validation error).
OUT_OF_RANGE = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
                "9999-12-31T20:00:00-08:00", "0001-01-01T01:00:00+02:00"]


@pytest.mark.parametrize("text", OUT_OF_RANGE)
def test_a_moment_outside_utcs_years_is_refused_as_invalid(text):
    for adapter in (AWARE, ANY_ZONE):
        with pytest.raises(ValidationError):
            adapter.validate_python(text)


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
                                  "9999-12-31T23:59:59+08:00", "2026-01-01T08:00:00+08:00"])
def test_the_extreme_moments_utc_can_hold_are_accepted(text):
    assert AWARE.validate_python(text).astimezone(dt.UTC).year in (1, 2026, 9999)


def test_a_bare_number_is_not_read_as_a_unix_time():
    with pytest.raises(ValidationError):
        AWARE.validate_python("1700000000")


def test_a_naive_moment_is_kept_naive_for_the_caller_to_read_as_utc():
    assert ANY_ZONE.validate_python("2026-01-01T08:00:00").tzinfo is None
