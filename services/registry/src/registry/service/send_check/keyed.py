"""The send check's blind indexes (HMAC-SHA256, `PiiCipher.blind_index`), two a message: the
phone's (its opt-outs are found by it) and the content's (the send log keeps it).

Made by `_keyed.Keyed`, a C type built beside the compiled modules (setup.py), which keeps
the key's two SHA-256 states as OpenSSL structs and continues them by copying a struct: a
quarter of hashlib's time, which copies an EVP context four times an index. Where that
build is missing (no C compiler, no OpenSSL headers), or the compiled code is switched off
(`PORTTRUST_INTERPRETED=1`), the cipher's own `blind_index` makes them. The tests hold the
C type to `blind_index`. Compiled with mypyc (registry.compiled).
"""

import os
from typing import Any, Protocol

from porttrust_shared.pii import PiiCipher

NATIVE: Any = None  # `_keyed.Keyed`, when built and not switched off
if os.environ.get("PORTTRUST_INTERPRETED") != "1":
    try:
        from registry.service.send_check import _keyed

        NATIVE = _keyed.Keyed
    except ImportError:  # built without it: `States`
        pass


class Keyed(Protocol):
    def hex(self, value: str) -> str: ...


class ByCipher:
    """`Keyed` by the cipher itself (where the C type is not used)."""

    def __init__(self, cipher: PiiCipher, field: str) -> None:
        self.cipher, self.field = cipher, field

    def hex(self, value: str) -> str:
        return self.cipher.blind_index(value, field=self.field)


# The C type per cipher key and field (the blocks `index_blocks` gives): made once.
_KEPT: dict[tuple[bytes, bytes], Keyed] = {}


def keyed(cipher: PiiCipher, field: str) -> Keyed:
    """What makes `cipher.blind_index(value, field=field)` for each value."""
    if NATIVE is None:
        return ByCipher(cipher, field)
    blocks = cipher.index_blocks(field)
    found = _KEPT.get(blocks)
    if found is None:
        if len(_KEPT) >= 64:
            _KEPT.clear()
        found = _KEPT[blocks] = NATIVE(*blocks)
    return found
