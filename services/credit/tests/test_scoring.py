import datetime as dt

import pytest

from credit.service import Policy
from credit.service.scoring import level_of, score_at

T0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
POLICY = Policy(weights={"fraud_case": 60, "spam_complaint": 5, "real_name_violation": 40},
                recovery_per_30_days=5, blacklist_below=60,
                blacklisting_types=frozenset({"fraud_case"}))


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def test_no_events_is_a_full_score():
    assert score_at([], at=T0, policy=POLICY) == 100.0


def test_an_event_takes_its_weight_off_on_the_day_it_happens():
    assert score_at([("real_name_violation", T0)], at=T0, policy=POLICY) == 60.0


def test_score_recovers_linearly_per_30_days():
    assert score_at([("real_name_violation", T0)], at=T0 + days(60), policy=POLICY) == 70.0


def test_an_event_stops_costing_once_fully_recovered():
    assert score_at([("spam_complaint", T0)], at=T0 + days(31), policy=POLICY) == 100.0


def test_events_add_up_and_the_score_never_goes_below_zero():
    events = [("fraud_case", T0), ("fraud_case", T0), ("real_name_violation", T0)]
    assert score_at(events, at=T0, policy=POLICY) == 0.0


def test_events_after_the_moment_asked_do_not_count():
    assert score_at([("fraud_case", T0 + days(1))], at=T0, policy=POLICY) == 100.0


def test_a_type_no_longer_weighted_costs_nothing():
    assert score_at([("retired_type", T0)], at=T0, policy=POLICY) == 100.0


def test_same_events_and_moment_give_the_same_score_in_any_order():
    events = [("spam_complaint", T0 - days(3)), ("real_name_violation", T0 - days(45))]
    assert score_at(events, at=T0, policy=POLICY) == score_at(events[::-1], at=T0, policy=POLICY)


def test_score_is_rounded_to_one_decimal():
    assert score_at([("spam_complaint", T0)], at=T0 + days(1), policy=POLICY) == 95.2


@pytest.mark.parametrize(("score", "level"), [
    (100, "A"), (90, "A"), (89.9, "B"), (75, "B"), (74.9, "C"), (60, "C"), (59.9, "D"), (0, "D"),
])
def test_levels_by_score(score, level):
    assert level_of(score) == level
