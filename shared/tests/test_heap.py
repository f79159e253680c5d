"""heap.freeze: what is alive is frozen; what was already garbage is collected, not kept."""

import gc
import weakref

from porttrust_shared import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def tracked(obj: object) -> bool:
    """The collector walks `obj` (a frozen object is in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_what_is_alive_is_frozen_and_garbage_is_collected_first():
    alive, dead = Node(), Node()
    gone = weakref.ref(dead)
    del dead
    try:
        heap.freeze()
        assert gone() is None  # collected before the freeze, not frozen for good
        assert not tracked(alive)
        assert gc.get_freeze_count() > 0
        made_after = Node()
        assert tracked(made_after)
    finally:
        gc.unfreeze()
    assert tracked(alive)


async def test_the_start_up_hook_freezes():
    try:
        await heap.freeze_on_start(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
