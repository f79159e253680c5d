"""An import collects young objects less often, and leaves the collector as it found it."""

import gc

from registry.service.imports.gc_pause import IMPORT_THRESHOLD, fewer_collections


def test_an_import_raises_the_young_generation_threshold():
    with fewer_collections():
        assert gc.get_threshold()[0] >= IMPORT_THRESHOLD


def test_the_thresholds_come_back_after_the_import():
    before = gc.get_threshold()
    with fewer_collections():
        pass
    assert gc.get_threshold() == before


def test_nested_imports_restore_only_when_the_last_one_ends():
    before = gc.get_threshold()
    with fewer_collections():
        with fewer_collections():
            pass
        assert gc.get_threshold()[0] >= IMPORT_THRESHOLD
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_when_the_import_fails():
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise RuntimeError("chunk failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before


def tracked(obj):
    """The collector walks `obj` (a frozen object is in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_objects_alive_when_an_import_starts_are_frozen_until_it_ends():
    alive = {"row": [1]}
    with fewer_collections():
        assert not tracked(alive)
        made = {"row": [2]}
        assert tracked(made)
        with fewer_collections():
            pass
        assert not tracked(alive)
    assert tracked(alive)


def test_objects_someone_else_froze_stay_frozen():
    gc.freeze()
    try:
        after_their_freeze = {"row": [1]}
        with fewer_collections():
            assert tracked(after_their_freeze)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
