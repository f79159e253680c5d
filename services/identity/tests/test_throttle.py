"""The brute-force brakes: failures per key, per name and address, per address, per name from
unfamiliar places; and a bounded number of password hashes at once."""

import asyncio

import pytest

from identity.errors import SignInBusy, TooManyAttempts
from identity.service.throttle import FailureThrottle, SignInGuard, SignInPolicy


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
    monkeypatch.setattr("identity.service.throttle.MAX_TRACKED", 10)
    throttle = _throttle(Clock())
    for n in range(50):
        throttle.failed(f"user:{n}")
    assert len(throttle._records) <= 11


def _guard(clock: Clock, **overrides: float) -> SignInGuard:
    policy = {"limit": 3, "window": 60, "lockout": 30, "address_limit": 5, "name_limit": 4,
              "known_for": 3600, "max_hashes": 1, "hash_wait": 0.05, "max_waiting": 1,
              **overrides}
    return SignInGuard(SignInPolicy(**policy), clock=clock)


def test_many_names_from_one_address_lock_the_address():
    guard = _guard(Clock())
    for n in range(5):
        guard.failed(f"user:guess{n}", "198.51.100.9")
    with pytest.raises(TooManyAttempts):
        guard.check("user:another", "198.51.100.9")
    guard.check("user:another", "203.0.113.1")


def test_failures_at_one_address_lock_that_name_there_only():
    guard = _guard(Clock())
    for _ in range(3):
        guard.failed("user:admin", "198.51.100.9")
    with pytest.raises(TooManyAttempts):
        guard.check("user:admin", "198.51.100.9")
    guard.check("user:admin", "203.0.113.1")


def test_failures_from_many_addresses_slow_the_name_down_from_unfamiliar_places():
    guard = _guard(Clock())
    for n in range(4):
        guard.failed("user:admin", f"198.51.100.{n}")
    with pytest.raises(TooManyAttempts):
        guard.check("user:admin", "203.0.113.1")


def test_the_usual_place_of_a_name_is_not_slowed_down():
    guard = _guard(Clock())
    guard.succeeded("user:admin", "192.0.2.10")
    for n in range(40):
        guard.failed("user:admin", f"198.51.100.{n}")
    guard.check("user:admin", "192.0.2.10")


def test_a_usual_place_is_forgotten_after_its_time():
    clock = Clock()
    guard = _guard(clock)
    guard.succeeded("user:admin", "192.0.2.10")
    clock.now += 3601
    for n in range(4):
        guard.failed("user:admin", f"198.51.100.{n}")
    with pytest.raises(TooManyAttempts):
        guard.check("user:admin", "192.0.2.10")


async def test_only_max_hashes_run_at_once_and_a_waiter_gets_429():
    guard = _guard(Clock())
    async with guard.hashing():
        with pytest.raises(SignInBusy) as refused:
            async with guard.hashing():
                pass
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == "1"
    async with guard.hashing():
        pass


async def test_past_max_waiting_a_sign_in_gets_429_without_waiting():
    guard = _guard(Clock(), hash_wait=5.0)
    async with guard.hashing():
        waiter = asyncio.create_task(_hold(guard))
        await asyncio.sleep(0.01)  # the waiter queues for the slot
        with pytest.raises(SignInBusy):
            async with guard.hashing():
                pass
    await waiter


async def _hold(guard: SignInGuard) -> None:
    async with guard.hashing():
        pass


async def test_a_usual_place_hashes_in_its_own_lane_while_the_others_are_full():
    guard = _guard(Clock())
    async with guard.hashing(), guard.hashing(usual=True):
        pass
