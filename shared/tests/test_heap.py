"""heap.freeze: what is alive is frozen; what was already garbage is collected, not kept.
heap.huge_pages: resident heap regions end up in huge pages. heap.keep_freed: freed memory is
not handed back to be faulted in again."""

import ctypes
import gc
import mmap
import os
import subprocess
import sys
import weakref

import pytest

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


async def test_the_start_up_hook_freezes_and_collects_the_young_less_often():
    thresholds = gc.get_threshold()
    try:
        await heap.freeze_on_start(None)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (heap.YOUNG, *thresholds[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def _huge_kib() -> int:
    with open("/proc/self/smaps_rollup") as rollup:
        return next(int(line.split()[1]) for line in rollup if line.startswith("AnonHugePages:"))


def _collapse_supported() -> bool:
    """Linux 6.1 or later (MADV_COLLAPSE), with transparent huge pages not switched off."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as mode:
            if "[never]" in mode.read():
                return False
    except OSError:
        return False
    release = os.uname().release.split(".")
    return (int(release[0]), int("".join(c for c in release[1] if c.isdigit()))) >= (6, 1)


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _collapse_supported(),
                    reason="needs Linux 6.1+ with transparent huge pages")
def test_a_resident_heap_region_is_backed_by_huge_pages():
    held = bytearray(os.urandom(1024)) * (32 * 1024)  # 32 MiB, every page touched
    before = _huge_kib()
    assert heap.huge_pages() >= 2 << 20
    assert _huge_kib() >= before + 2048  # at least one 2 MiB page more
    assert held[:1024] == held[-1024:]  # the data is intact


def test_switched_off_nothing_is_asked(monkeypatch):
    monkeypatch.setenv("PORTTRUST_HUGE_PAGES", "0")
    monkeypatch.setattr(heap, "_resident_regions", lambda: pytest.fail("read the maps"))
    assert heap.huge_pages() == 0


def test_only_mostly_resident_anonymous_regions_are_chosen():
    size = 64 << 20
    region = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # not touched
    try:
        start = ctypes.addressof(ctypes.c_char.from_buffer(region))
        assert not any(lo <= start < hi for lo, hi in heap._resident_regions())
        for page in range(0, size, 4096):
            region[page] = 1
        assert any(lo <= start < hi for lo, hi in heap._resident_regions())
    finally:
        gc.collect()  # the ctypes view lets go of the buffer
        region.close()


_CHURN = """
import resource, sys
from porttrust_shared import heap
kept = heap.keep_freed() if sys.argv[1] == "keep" else None
texts = ["x" * 500] * 1000
for _ in range(20):  # warm up: the heap reaches its working size
    answer = ("[" + ",".join(texts) + "]").encode()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):  # a batch's answer: its texts joined, closed and encoded
    answer = ("[" + ",".join(texts) + "]").encode()
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_memory_is_kept_for_the_next_request_not_faulted_in_again():
    """Buffers of half a MiB made and freed, as a batch's answer is: by default they come
    back as fresh pages (page faults, about 200 a request here); kept, none do."""
    def faults(how: str) -> tuple[str, int]:
        found = subprocess.run([sys.executable, "-c", _CHURN, how], capture_output=True,
                               text=True, check=True,
                               env={**os.environ, "PORTTRUST_KEEP_FREED": "1"})
        kept, count = found.stdout.split()
        return kept, int(count)

    assert faults("keep")[0] == "True"
    assert faults("keep")[1] < 20
    assert faults("default")[1] > 1000  # what it saves: over 100 pages a request


def test_switched_off_malloc_is_left_alone(monkeypatch):
    monkeypatch.setenv("PORTTRUST_KEEP_FREED", "0")
    assert heap.keep_freed() is False
