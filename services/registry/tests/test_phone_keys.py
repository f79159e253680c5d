"""`PhoneKeys`, a sub-port's opt-outs in memory: its slot table in front of the sorted keys
answers exactly what `key in set(keys)` answers, for any keys and any key asked."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.service.send_check.phone_keys import PhoneKeys

TOP = 2**64 - 1
# Keys that share slots (a few low bits) with fingerprints alike or not (the top byte), the
# ends of the range, and anything else 64 bits hold.
crowded = st.builds(lambda top, low: top << 56 | low, st.integers(0, 255), st.integers(0, 7))
key = st.one_of(st.sampled_from([0, 1, TOP, TOP - 1, 1 << 56, (1 << 56) - 1]), crowded,
                st.integers(0, TOP))
keys = st.lists(key, max_size=60)  # duplicates included


def asked(held: list[int], more: list[int]) -> list[object]:
    """The keys held, their neighbours, the same slot under another fingerprint, keys outside
    64 bits, and a few that are not ints (compared as the sorted keys would compare them)."""
    near = [k + d for k in held for d in (-1, 1, 1 << 56, -(1 << 56))]
    return [*held, *more, *near, -1, 2**64, 2**70 + 3, 0.0, 1.0, float(TOP), True, False]


@settings(max_examples=400, deadline=None)
@given(keys, st.lists(key, max_size=30))
def test_membership_is_exactly_the_sets(held: list[int], more: list[int]) -> None:
    phone_keys, expected = PhoneKeys(held), set(held)
    for probe in asked(held, more):
        assert (probe in phone_keys) is (probe in expected), probe
    assert len(phone_keys) == len(held)  # duplicates count, as in the array
    assert phone_keys.nbytes == 8 * len(held) + len(phone_keys._slots)
    assert 4 * len(held) < len(phone_keys._slots) <= max(1, 8 * len(held))


def test_empty() -> None:
    phone_keys = PhoneKeys([])
    assert len(phone_keys) == 0
    assert not any(k in phone_keys for k in (0, 1, TOP, -1, 2**64, 0.0))
    assert phone_keys.nbytes == 1


def test_not_an_integer_is_compared_as_before() -> None:
    phone_keys = PhoneKeys([2, 5])
    assert 2.0 in phone_keys and 2.5 not in phone_keys
    with pytest.raises(TypeError):
        assert "2" not in phone_keys


def test_most_keys_not_held_are_answered_by_their_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the slots: of 10,000 random keys asked of 1,000 held, well under a tenth
    reach the bisection (expected about 3 %)."""
    rng = random.Random(12)
    phone_keys = PhoneKeys(rng.getrandbits(64) for _ in range(1000))
    bisected = 0
    held = PhoneKeys._held

    def counted(self: PhoneKeys, key: object) -> bool:
        nonlocal bisected
        bisected += 1
        return held(self, key)

    monkeypatch.setattr(PhoneKeys, "_held", counted)
    assert not any(rng.getrandbits(64) in phone_keys for _ in range(10_000))
    assert bisected < 600
