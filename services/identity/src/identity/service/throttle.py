"""Brute-force brakes on /v1/token (the policy is in services/identity/README.md).

FailureThrottle counts failures per key and locks a key out after a few. SignInGuard puts
three of them together (per name and address, per address, per name from unfamiliar
addresses), remembers where each name signed in successfully, and lets only a few password
hashes run at once. All in process memory: with several replicas each counts on its own,
which still caps a guesser at (replicas x limit) tries per lockout. A shared store (Redis)
can replace it.
"""

import asyncio
import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from identity.errors import SignInBusy, TooManyAttempts
from identity.settings import Settings

MAX_TRACKED = 100_000
# Password hashes run at this niceness: argon2 keeps every core busy (4 lanes a hash), and the
# event loop (JWKS, health, the brakes themselves) must not wait behind it.
HASH_NICENESS = 10
T = TypeVar("T")


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class FailureThrottle:
    def __init__(self, *, limit: int, window: float, lockout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.lockout, self.clock = limit, window, lockout, clock
        self._records: dict[str, _Record] = {}

    def check(self, key: str) -> None:
        """Raise 429 while `key` is locked out."""
        record = self._records.get(key)
        wait = record.locked_until - self.clock() if record else 0.0
        if wait > 0:
            raise TooManyAttempts(retry_after=int(wait) + 1)

    def failed(self, key: str) -> None:
        now = self.clock()
        record = self._records.setdefault(key, _Record())
        record.failures = [t for t in record.failures if now - t < self.window] + [now]
        if len(record.failures) >= self.limit:
            record.locked_until, record.failures = now + self.lockout, []
        if len(self._records) > MAX_TRACKED:
            self._forget_idle(now)

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, r in self._records.items()
                    if r.locked_until < now and all(now - t >= self.window for t in r.failures)]:
            del self._records[key]
        # A flood of distinct names must not grow memory without bound: the oldest go first.
        for key in list(self._records)[: max(0, len(self._records) - MAX_TRACKED)]:
            del self._records[key]


@dataclass(frozen=True)
class SignInPolicy:
    """Limits per name+address (`limit`), per address and per name from unfamiliar
    addresses, over one `window`; `lockout` seconds each once reached."""

    limit: int = 5
    window: float = 300.0
    lockout: float = 120.0
    address_limit: int = 20
    name_limit: int = 10
    known_for: float = 30 * 86400.0
    max_hashes: int = 2
    hash_wait: float = 10.0
    max_waiting: int = 64

    @classmethod
    def from_settings(cls, settings: Settings) -> "SignInPolicy":
        return cls(
            limit=settings.login_max_failures, window=settings.login_failure_window_seconds,
            lockout=settings.login_lockout_seconds,
            address_limit=settings.login_address_max_failures,
            name_limit=settings.login_name_max_failures,
            known_for=settings.login_known_address_days * 86400,
            max_hashes=settings.login_max_concurrent_hashes,
            hash_wait=settings.login_hash_wait_seconds,
            max_waiting=settings.login_max_waiting_hashes)


class KnownPlaces:
    """(name, address) pairs that signed in successfully, for `known_for` seconds; the
    oldest are forgotten first past MAX_TRACKED."""

    def __init__(self, known_for: float, clock: Callable[[], float]) -> None:
        self.known_for, self.clock = known_for, clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()

    def remember(self, name: str, address: str) -> None:
        self._seen[(name, address)] = self.clock()
        self._seen.move_to_end((name, address))
        while len(self._seen) > MAX_TRACKED:
            self._seen.popitem(last=False)

    def __contains__(self, place: tuple[str, str]) -> bool:
        seen = self._seen.get(place)
        return seen is not None and self.clock() - seen < self.known_for


class SignInGuard:
    def __init__(self, policy: SignInPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.pairs = FailureThrottle(limit=policy.limit, window=policy.window,
                                     lockout=policy.lockout, clock=clock)
        self.addresses = FailureThrottle(limit=policy.address_limit, window=policy.window,
                                         lockout=policy.lockout, clock=clock)
        self.names = FailureThrottle(limit=policy.name_limit, window=policy.window,
                                     lockout=policy.lockout, clock=clock)
        self.known = KnownPlaces(policy.known_for, clock)
        # Sign-ins from a usual place hash in a lane of their own: a flood from elsewhere
        # cannot keep the real user (or a service fetching its token) waiting.
        self._lanes = {False: _Lane(policy.max_hashes, policy.max_waiting),
                       True: _Lane(1, policy.max_waiting)}
        self._pool = ThreadPoolExecutor(max_workers=policy.max_hashes + 1,
                                        thread_name_prefix="password-hash",
                                        initializer=_lower_priority)

    def check(self, name: str, address: str) -> bool:
        """429 while this name at this address, or (from an unfamiliar place) the address or
        the name, is locked out. True when the address is a usual place of the name."""
        self.pairs.check(_pair(name, address))
        usual = (name, address) in self.known
        if not usual:
            self.addresses.check(address)
            self.names.check(name)
        return usual

    def failed(self, name: str, address: str) -> None:
        self.pairs.failed(_pair(name, address))
        if (name, address) not in self.known:
            self.addresses.failed(address)
            self.names.failed(name)

    def succeeded(self, name: str, address: str) -> None:
        self.pairs.succeeded(_pair(name, address))
        self.known.remember(name, address)

    @asynccontextmanager
    async def hashing(self, *, usual: bool = False) -> AsyncIterator[None]:
        """A password-hash slot (of the usual places' lane, or the others'), waited for at
        most `hash_wait` seconds and by at most `max_waiting` sign-ins at once (else 429)."""
        lane = self._lanes[usual]
        if lane.waiting >= lane.max_waiting:
            raise SignInBusy(retry_after=1)
        lane.waiting += 1
        try:
            await asyncio.wait_for(lane.slots.acquire(), self.policy.hash_wait)
        except TimeoutError:
            raise SignInBusy(retry_after=1) from None
        finally:
            lane.waiting -= 1
        try:
            yield
        finally:
            lane.slots.release()

    async def hash_call(self, work: Callable[..., T], *args: str, usual: bool = False) -> T:
        """`work(*args)` (a password hash) in a free slot, on a low-priority thread."""
        async with self.hashing(usual=usual):
            return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)


class _Lane:
    def __init__(self, slots: int, max_waiting: int) -> None:
        self.slots, self.max_waiting, self.waiting = asyncio.Semaphore(slots), max_waiting, 0


def _lower_priority() -> None:
    # Linux gives each thread its own niceness, and the threads argon2 starts inherit it.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


def _pair(name: str, address: str) -> str:
    return name + "\n" + address
