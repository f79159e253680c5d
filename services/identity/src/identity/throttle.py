"""Brute-force brake on /v1/token: after a few failures a client id or username is locked out.

Kept in process memory: with several replicas each counts on its own, which still caps a
guesser at (replicas x limit) tries per lockout. A shared store (Redis) can replace it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from identity.errors import TooManyAttempts

MAX_TRACKED = 100_000


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
