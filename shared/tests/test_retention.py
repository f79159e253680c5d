"""Six months on the calendar (R6): 31 August is six months before 28/29 February."""

import datetime as dt

import pytest

from porttrust_shared.retention import months_before, retention_cutoff


def at(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


@pytest.mark.parametrize(("moment", "back"), [
    (at(2027, 8, 31), at(2027, 2, 28)),
    (at(2028, 8, 31), at(2028, 2, 29)),
    (at(2027, 1, 31), at(2026, 7, 31)),
    (at(2026, 12, 31), at(2026, 6, 30)),
    (at(2027, 3, 15, 9), at(2026, 9, 15, 9)),
])
def test_months_before_counts_calendar_months_and_clamps_the_month_end(moment, back):
    assert months_before(moment, 6) == back


def test_mid_month_cutoff_is_six_months_and_one_day_back():
    assert retention_cutoff(at(2026, 11, 15, 12)) == at(2026, 5, 14, 12)


def test_a_row_of_182_days_is_kept_where_180_days_would_drop_it():
    now = at(2026, 11, 15)
    assert retention_cutoff(now) < now - dt.timedelta(days=182)


def test_row_of_31_august_survives_until_a_day_after_28_february():
    written = at(2026, 8, 31, 12)
    assert retention_cutoff(at(2027, 3, 1, 11)) <= written
    assert retention_cutoff(at(2027, 3, 2, 12)) > written


def test_row_of_31_august_survives_until_a_day_after_29_february_in_a_leap_year():
    written = at(2027, 8, 31, 12)
    assert retention_cutoff(at(2028, 3, 1, 11)) <= written
    assert retention_cutoff(at(2028, 3, 2, 12)) > written


def test_leap_day_row_is_kept_for_six_months_and_a_day():
    written = at(2028, 2, 29, 12)
    assert retention_cutoff(at(2028, 8, 30, 11)) <= written
    assert retention_cutoff(at(2028, 8, 30, 13)) > written


@pytest.mark.parametrize("months", [0, 3, 5])
def test_a_shorter_period_asked_of_the_cutoff_still_keeps_six_months(months):
    now = at(2027, 3, 1)
    assert retention_cutoff(now, months) == retention_cutoff(now, 6)


def test_a_longer_period_keeps_longer():
    now = at(2027, 3, 1)
    assert retention_cutoff(now, 12) == at(2026, 2, 28)
