"""Fewer garbage-collector passes while an import runs.

A 100,000-row file becomes hundreds of thousands of small container objects (cells, rows,
validated models, plans) that all stay alive until the job ends. With CPython's default
young-generation threshold (700 allocations) the collector walks them again and again,
which costs about a third of the import's Python time. While any import runs, the young
generation is collected every 50,000 allocations instead; reference counting frees the
import's own objects as usual, and the previous thresholds come back when the last import
ends.

The objects alive when an import starts (the application, and a job's parsed rows) are also
frozen (gc.freeze) until the last import ends, so that a full collection does not walk them
again each time (a 100,000-row job ran ~5-10% faster): one of them that dies meanwhile in a
reference cycle is collected after the import instead. Objects made afterwards are
collected as usual. An application that froze objects itself (a pre-fork server) is left
as it is.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

IMPORT_THRESHOLD = 50_000


class _Imports:
    """How many imports run now, and the thresholds to restore after the last one."""

    lock = threading.Lock()
    running = 0
    saved: tuple[int, int, int] = gc.get_threshold()
    froze = False


@contextmanager
def fewer_collections() -> Iterator[None]:
    with _Imports.lock:
        if _Imports.running == 0:
            _Imports.saved = gc.get_threshold()
            first, *older = _Imports.saved
            gc.set_threshold(max(IMPORT_THRESHOLD, first), *older)
            _Imports.froze = gc.get_freeze_count() == 0
            if _Imports.froze:
                gc.freeze()
        _Imports.running += 1
    try:
        yield
    finally:
        with _Imports.lock:
            _Imports.running -= 1
            if _Imports.running == 0:
                gc.set_threshold(*_Imports.saved)
                if _Imports.froze:
                    gc.unfreeze()
