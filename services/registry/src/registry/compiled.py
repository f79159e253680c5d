"""Which of the registry's modules the build compiles with mypyc (setup.py), and whether this
process runs them compiled.

The send check's pure code (the usual pass and the general path's steps, the template index
and matcher, normalisation, the answer's text) runs a thousand times a batch request;
compiled, the same source runs in C. Nothing here changes an answer: CI runs the send-check
tests both ways (`PORTTRUST_INTERPRETED=1` in the environment makes registry/__init__.py
import these modules from their source, through `interpreted`).
"""

import importlib
import importlib.abc
import importlib.util
import logging
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

# Paths under src/, in the order mypyc is given them.
SOURCES = (
    "registry/service/matching/index.py",
    "registry/service/matching/kept.py",
    "registry/service/matching/keywords.py",
    "registry/service/matching/matcher.py",
    "registry/service/matching/normalize.py",
    "registry/service/matching/variables.py",
    "registry/service/send_check/general.py",
    "registry/service/send_check/keyed.py",
    "registry/service/send_check/lane.py",
    "registry/service/send_check/phone_keys.py",
    "registry/service/send_check/render.py",
    "registry/service/send_check/verdict.py",
    "registry/service/send_log_text.py",
)
MODULES = tuple(path.removesuffix(".py").replace("/", ".") for path in SOURCES)
# C written by hand, built beside them (path under src/, module): each has a Python twin that
# answers alike where it was not built (registry/service/send_check/keyed.py).
NATIVE = (("registry/service/send_check/_keyed.c", "registry.service.send_check._keyed"),)


def compiled_modules() -> list[str]:
    """The modules of `MODULES` this process imported compiled (from a shared object)."""
    return [name for name in MODULES
            if not str(importlib.import_module(name).__file__).endswith(".py")]


def native_modules() -> list[str]:
    """The modules of `NATIVE` that were built (whether or not this process uses them)."""
    return [name for _, name in NATIVE if importlib.util.find_spec(name) is not None]


def stale_modules() -> list[str]:
    """Compiled modules whose source changed after they were built (run `make install`)."""
    stale = []
    sources = {name: path.rsplit("/", 1)[1] for path, name in NATIVE}
    for name in [*compiled_modules(), *native_modules()]:
        built = Path(str(importlib.import_module(name).__file__))
        source = built.with_name(sources.get(name) or built.name.split(".", 1)[0] + ".py")
        if source.stat().st_mtime > built.stat().st_mtime:
            stale.append(name)
    return stale


class _FromSource(importlib.abc.MetaPathFinder):
    """Finds `MODULES` as their .py source, ahead of the compiled shared objects."""

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name not in MODULES or not path:
            return None
        for folder in path:
            source = Path(folder) / (name.rsplit(".", 1)[1] + ".py")
            if source.is_file():
                return importlib.util.spec_from_file_location(name, source)
        return None


def interpreted() -> None:
    """Import `MODULES` from their source from now on, compiled or not: set by
    `PORTTRUST_INTERPRETED=1` (registry/__init__.py), for the tests' second run and for an
    operator who wants to rule the compiled build out."""
    if not any(isinstance(finder, _FromSource) for finder in sys.meta_path):
        sys.meta_path.insert(0, _FromSource())


async def log_build(app: object) -> None:
    """An `on_startup` hook: says in the log how the send check runs (compiled or not, and a
    stale build, which `make install` mends), for an operator comparing figures."""
    found, stale = compiled_modules(), stale_modules()
    native = native_modules()
    logging.getLogger("registry.compiled").log(
        logging.WARNING if stale else logging.INFO,
        "send check: %d of %d modules compiled, %d of %d C modules built%s", len(found),
        len(MODULES), len(native), len(NATIVE),
        f"; older than their source: {', '.join(stale)}" if stale else "")
