"""The brute-force brake counts failures per name and lifts after the lockout."""

import pytest

from identity.errors import TooManyAttempts
from identity.throttle import FailureThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(clock: Clock) -> FailureThrottle:
    return FailureThrottle(limit=3, window=60, lockout=30, clock=clock)


def test_locks_after_the_limit():
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(3):
        throttle.check("user:a")
        throttle.failed("user:a")
    with pytest.raises(TooManyAttempts):
        throttle.check("user:a")


def test_other_names_are_not_locked():
    throttle = _throttle(Clock())
    for _ in range(3):
        throttle.failed("user:a")
    throttle.check("user:b")


def test_lockout_lifts_after_its_time():
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(3):
        throttle.failed("user:a")
    clock.now += 31
    throttle.check("user:a")


def test_failures_outside_the_window_are_forgotten():
    clock = Clock()
    throttle = _throttle(clock)
    throttle.failed("user:a")
    throttle.failed("user:a")
    clock.now += 61
    throttle.failed("user:a")
    throttle.check("user:a")


def test_memory_stays_bounded_under_a_flood_of_names(monkeypatch):
    monkeypatch.setattr("identity.throttle.MAX_TRACKED", 10)
    throttle = _throttle(Clock())
    for n in range(50):
        throttle.failed(f"user:{n}")
    assert len(throttle._records) <= 11
