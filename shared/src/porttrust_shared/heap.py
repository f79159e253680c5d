"""Long-lived state out of the garbage collector's way.

A full collection walks every object the collector tracks. A service keeps many that never
die (FastAPI and SQLAlchemy internals from start-up; registry's send-check memory: a compiled
matcher per template, tens of thousands of them), and its requests' short-lived objects set
off a full collection every few seconds, each walking all of them again: on the send-check
bench, with 50,000 templates in memory, a third of the process's time went to the collector,
hundreds of milliseconds a pass.

`freeze()` collects once, then moves what survived into the permanent generation
(`gc.freeze`), which no later collection walks. Reference counting still frees a frozen
object when its last reference goes (the matchers replaced when templates change are freed
so), so only an object that dies inside a reference cycle after the freeze is kept for good;
collecting first means nothing that was already garbage is. Call it after start-up and after
a large load, not per request: the collection it starts pauses the process (for as long as
the objects made since the last freeze take to walk).

`huge_pages()` then asks Linux to back the heap's resident regions with 2 MiB pages
(`madvise` MADV_HUGEPAGE, then MADV_COLLAPSE, Linux 6.1 and later; elsewhere nothing
happens). The send check reads objects of a thousand sub-ports in no order, each in another
4 KiB page: with 4 KiB pages most of those reads also miss the TLB. Only regions already
three-quarters resident are collapsed, so memory grows by at most a quarter of what they hold.
`PORTTRUST_HUGE_PAGES=0` switches it off.

`keep_freed()` tells glibc's malloc to keep what a request frees for the next one. By default
it hands the top of the heap back to the system as soon as 128 KiB lie free there, so each
buffer of a few hundred KiB a request makes and frees (a send-check batch's body, its texts
joined, its answer, its log rows: a dozen of them) comes back as fresh pages the kernel must
zero on first touch: about 250 page faults a batch. Kept, there are none. `PORTTRUST_KEEP_FREED=0`
switches it off.
"""

import ctypes
import gc
import logging
import os
import sys
from typing import Any

log = logging.getLogger(__name__)
_HUGE = 1 << 21  # a huge page (x86-64, arm64 with 4 KiB pages)
_MADV_HUGEPAGE, _MADV_COLLAPSE = 14, 25
_RESIDENT = 0.75  # a region is collapsed only when this much of it is in memory already
# Allocations of tracked objects between two collections of the youngest generation (Python's
# default: 700). A send-check batch makes several thousand that live as long as its request
# (its rows, answers, fits): at 700, each was walked by a young collection, promoted, and
# walked again by the middle generation's, about a tenth of the registry's CPU on the bench;
# at 50,000 most have died before a collection comes (registry CPU 20 -> 17-19 µs a message).
YOUNG = 50_000
# malloc (glibc): free memory kept at the top of the heap before any is given back, and the
# size from which an allocation is mapped on its own (the default moves between 128 KiB and
# 32 MiB as the process goes; set, it stays). At most TRIM more resident than before.
TRIM, MMAP = 32 << 20, 4 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def freeze(*, huge: bool = False) -> None:
    """`huge`: then ask for the heap to be backed by huge pages (`huge_pages`), after a
    large load (not at start-up: nothing large is held yet)."""
    gc.collect()
    gc.freeze()
    if huge:
        huge_pages()


async def freeze_on_start(app: Any) -> None:
    """An `on_startup` hook: what start-up built, frozen, the young generation's threshold
    raised (`YOUNG`), and freed memory kept for the next request (`keep_freed`)."""
    freeze()
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
    keep_freed()


def keep_freed() -> bool:
    """Whether malloc now keeps up to `TRIM` freed at the top of the heap and maps only
    allocations of `MMAP` or more on their own (False: not glibc, or
    `PORTTRUST_KEEP_FREED=0`)."""
    if os.environ.get("PORTTRUST_KEEP_FREED", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    # mallopt answers 1 when it took the setting (musl's answers 0 to everything).
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM) == 1 and mallopt(_M_MMAP_THRESHOLD, MMAP) == 1)



def huge_pages() -> int:
    """The bytes collapsed into huge pages: the anonymous read-write regions of this process
    (the heap, Python's arenas) that are mostly resident, whole 2 MiB pages of each. 0 on a
    system without MADV_COLLAPSE, or when `PORTTRUST_HUGE_PAGES=0`."""
    if os.environ.get("PORTTRUST_HUGE_PAGES", "1") == "0" or not sys.platform.startswith("linux"):
        return 0
    try:
        regions = _resident_regions()
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return 0
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    done = 0
    for start, end in regions:
        start, end = -(-start // _HUGE) * _HUGE, end // _HUGE * _HUGE
        if end - start < _HUGE:
            continue
        if madvise(start, end - start, _MADV_HUGEPAGE) == 0 \
                and madvise(start, end - start, _MADV_COLLAPSE) == 0:
            done += end - start
    log.info("heap: %d MiB in huge pages", done >> 20)
    return done


def _resident_regions() -> list[tuple[int, int]]:
    """(start, end) of each anonymous private read-write mapping at least `_RESIDENT`
    resident (/proc/self/smaps)."""
    found: list[tuple[int, int]] = []
    region: tuple[int, int] | None = None
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()
            if "-" in head[0] and len(head) >= 5:  # a mapping's first line
                start, end = (int(part, 16) for part in head[0].split("-"))
                region = (start, end) if head[1] == "rw-p" and len(head) == 5 else None
            elif region is not None and head[0] == "Rss:":
                if int(head[1]) * 1024 >= _RESIDENT * (region[1] - region[0]):
                    found.append(region)
                region = None
    return found
