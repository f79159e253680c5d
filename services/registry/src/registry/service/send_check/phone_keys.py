"""A sub-port's opt-outs in memory (state.py loads them): sorted 64-bit phone keys behind a
one-byte slot table. Compiled with mypyc (registry.compiled): the send check asks it once a
message."""

from array import array
from bisect import bisect_left
from collections.abc import Iterable

SEVERAL = 2  # a `PhoneKeys` slot of keys with different fingerprints (even: never one)


def phone_key(index: str) -> int:
    """A phone's opt-out key: the first 16 hex digits (64 bits) of its blind index."""
    return int(index[:16], 16)


class PhoneKeys:
    """One sub-port's opt-outs: sorted 64-bit keys in an array, 8 bytes each (a set of
    Python ints costs about 70), behind a table of one byte a slot, more than 4 and at most 8
    slots a key: slot `key & mask` holds 0 when no key falls there, the fingerprint (top byte,
    made odd) of the keys there when they share one, else `SEVERAL`. A key not held is almost
    always answered by its slot alone (97-99 %: one index into bytes instead of a bisection's
    dozen array reads, each a new Python int); held keys and the rest are bisected. Exact:
    the slot says "not held" only where no key held could be equal."""

    __slots__ = ("_keys", "_mask", "_slots")

    def __init__(self, keys: Iterable[int]) -> None:
        self._keys = array("Q", sorted(keys))
        size = 1 << (4 * len(self._keys)).bit_length()  # > 4 slots a key, at most 8
        slots, mask = bytearray(size), size - 1
        for key in self._keys:
            at, mark = key & mask, key >> 56 | 1
            slots[at] = mark if slots[at] in (0, mark) else SEVERAL
        self._slots, self._mask = bytes(slots), mask

    def __contains__(self, key: object) -> bool:
        # Anything but an int is left to the bisection, which answers (or raises) as the
        # array compares it; the slots only ever save a bisection, never change an answer.
        return self.holds(key) if isinstance(key, int) else self._held(key)

    def holds(self, key: int) -> bool:
        """`key in self` for an int (a bool is one): the slot, then the bisection."""
        held = self._slots[key & self._mask]
        if not held or (held != SEVERAL and held != key >> 56 | 1):
            return False
        return self._held(key)

    def _held(self, key: object) -> bool:
        at = bisect_left(self._keys, key)  # type: ignore[call-overload]
        return at < len(self._keys) and bool(self._keys[at] == key)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def nbytes(self) -> int:
        """The keys' and the slots' bytes (the objects' headers aside)."""
        return self._keys.itemsize * len(self._keys) + len(self._slots)
