"""The registry's build: plain setuptools (pyproject.toml), plus the send check's hot modules
compiled to C with mypyc when mypy and a C compiler are at hand (`make install` has both), and
its one C module (the blind indexes' HMAC, against OpenSSL) where OpenSSL's headers are too.

The compiled modules are the same source, type-checked by mypy and turned into C; they answer
exactly what the interpreted ones do (the send-check tests run both ways: see
`registry.compiled`). Where mypyc is missing, or `PORTTRUST_PURE_PYTHON=1` at install time,
the package installs as plain Python and runs the same, slower (`PORTTRUST_REQUIRE_COMPILED=1`
makes that an error: CI and the image).
"""

import os
import sys

from setuptools import Extension, setup

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
from registry.compiled import NATIVE, SOURCES


def native() -> list[Extension]:
    """The C modules beside them (registry.compiled.NATIVE): the send check's HMAC, against
    OpenSSL's libcrypto (its headers: libssl-dev)."""
    return [Extension(name, [os.path.join("src", path)], libraries=["crypto"],
                      optional=os.environ.get("PORTTRUST_REQUIRE_COMPILED") != "1")
            for path, name in NATIVE]


def ext_modules() -> list[Extension]:
    if os.environ.get("PORTTRUST_PURE_PYTHON") == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        if os.environ.get("PORTTRUST_REQUIRE_COMPILED") == "1":
            raise SystemExit("PORTTRUST_REQUIRE_COMPILED=1 but mypyc is not installed") from None
        print("mypyc is not installed: the registry installs as plain Python", file=sys.stderr)
        return native()
    extensions = mypycify(["--config-file=", "--ignore-missing-imports",
                           "--follow-imports=silent", "--python-version=3.11",
                           *(os.path.join("src", path) for path in SOURCES)],
                          opt_level="3", group_name="registry_compiled")
    # No C compiler (or no Python headers): setuptools warns and installs the plain source.
    for extension in extensions:
        extension.optional = os.environ.get("PORTTRUST_REQUIRE_COMPILED") != "1"
    return [*extensions, *native()]


# Always rebuilt: mypyc leaves its C untouched when a change (a comment) does not alter it, and
# a skipped build would leave shared objects older than their source (`registry.compiled`).
setup(ext_modules=ext_modules(), options={"build_ext": {"force": True}})
