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
"""

import gc
from typing import Any


def freeze() -> None:
    gc.collect()
    gc.freeze()


async def freeze_on_start(app: Any) -> None:
    """An `on_startup` hook: what start-up built, frozen."""
    freeze()
