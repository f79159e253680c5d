"""Credit score: a pure function of a subject's events and a moment (README: score formula)."""

import datetime as dt
from collections.abc import Iterable

from credit.service import Policy

FULL_SCORE = 100.0
RECOVERY_PERIOD_DAYS = 30.0
# Lowest score of each level, best first.
LEVELS: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 75.0), ("C", 60.0), ("D", 0.0))


def penalty(weight: float, *, occurred_at: dt.datetime, at: dt.datetime,
            recovery_per_30_days: float) -> float:
    """What one event still costs at `at`: its weight, less linear recovery since it happened."""
    if occurred_at > at:
        return 0.0
    days = (at - occurred_at).total_seconds() / 86400
    return max(0.0, weight - recovery_per_30_days * days / RECOVERY_PERIOD_DAYS)


def score_at(events: Iterable[tuple[str, dt.datetime]], *, at: dt.datetime,
             policy: Policy) -> float:
    """100 less every event's remaining penalty, floored at 0, to one decimal.

    `events` are (type, occurred_at); a type no longer weighted costs nothing.
    """
    total = sum(penalty(policy.weights.get(kind, 0.0), occurred_at=occurred, at=at,
                        recovery_per_30_days=policy.recovery_per_30_days)
                for kind, occurred in events)
    return round(max(0.0, FULL_SCORE - total), 1)


def level_of(score: float) -> str:
    return next(name for name, floor in LEVELS if score >= floor)
