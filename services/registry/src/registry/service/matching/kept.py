"""A function's answers kept by key, for the send check's small caches (signatures, dates, M2M
ports): a lookup from compiled code, where an lru_cache is a call through Python's protocol.
Bounded: emptied when full. Compiled with mypyc (registry.compiled)."""

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Kept(Generic[T]):
    """`function(key)`, remembered for at most `held` keys at once."""

    def __init__(self, function: Callable[[str], T], held: int) -> None:
        self.function, self.held = function, held
        self.values: dict[str, T] = {}

    def get(self, key: str) -> T:
        try:
            return self.values[key]
        except KeyError:
            if len(self.values) >= self.held:
                self.values.clear()
            found = self.values[key] = self.function(key)
            return found
