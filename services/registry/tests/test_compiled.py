"""The send check's hot modules run compiled by mypyc where the build could (setup.py), never
stale, and can be switched back to their source (`PORTTRUST_INTERPRETED=1`)."""

import logging
import os
import subprocess
import sys

import pytest

from registry.compiled import (
    MODULES,
    NATIVE,
    SOURCES,
    compiled_modules,
    log_build,
    native_modules,
    stale_modules,
)

INTERPRETED = os.environ.get("PORTTRUST_INTERPRETED") == "1"


def test_every_listed_source_exists_and_names_its_module() -> None:
    import registry

    root = os.path.dirname(os.path.dirname(str(registry.__file__)))
    for path, name in [*zip(SOURCES, MODULES, strict=True), *NATIVE]:
        assert os.path.isfile(os.path.join(root, path)), path
        assert name.startswith("registry.") and "/" not in name
        assert name.replace(".", "/") == path.rsplit(".", 1)[0]


@pytest.mark.skipif(INTERPRETED, reason="this run imports the modules from source")
def test_compiled_build_is_complete_and_fresh() -> None:
    found = compiled_modules()
    if os.environ.get("PORTTRUST_REQUIRE_COMPILED") != "1" and not found:
        pytest.skip("installed as plain Python (no mypyc or no C compiler at install time)")
    assert found == list(MODULES), "some hot modules were not compiled: run `make install`"
    assert native_modules() == [name for _, name in NATIVE], \
        "a C module was not built (OpenSSL's headers: libssl-dev): run `make install`"
    assert stale_modules() == [], "a compiled module is older than its source: `make install`"


def test_interpreted_switch_imports_every_module_from_source() -> None:
    code = ("from registry.compiled import compiled_modules, MODULES\n"
            "import importlib\n"
            "print(compiled_modules(), all(importlib.import_module(m).__file__.endswith('.py')"
            " for m in MODULES))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PORTTRUST_INTERPRETED": "1"}, check=True)
    assert found.stdout.split() == ["[]", "True"]


@pytest.mark.skipif(not INTERPRETED, reason="the interpreted run only")
def test_this_run_is_interpreted() -> None:
    assert compiled_modules() == []


async def test_start_up_says_how_the_send_check_runs(caplog):
    with caplog.at_level(logging.INFO, logger="registry.compiled"):
        await log_build(None)
    [record] = caplog.records
    assert record.getMessage().startswith(
        f"send check: {len(compiled_modules())} of {len(MODULES)} modules compiled, "
        f"{len(native_modules())} of {len(NATIVE)} C modules built")
