import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from credit.scoring import Policy
from porttrust_shared.pii import PiiCipher


@dataclass(frozen=True)
class Credit:
    """What domain functions need besides the session: the PII cipher and the rules."""

    cipher: PiiCipher
    policy: Policy
    # cipher.blind_index(value, field="id_number"), faster for the bulk check.
    id_number_index: Callable[[str], str]
    page_limit_max: int = 500


class IdNumberIndex:
    """The blind index of an ID number exactly as `PiiCipher.blind_index(v, field="id_number")`
    computes it: HMAC-SHA256 (RFC 2104) of "id_number\\0" + value under the index key.

    A check hashes up to 1,000 handlers, so the HMAC is run on hashlib's SHA-256 directly: the
    inner and outer pads, with "id_number\\0" already fed to the inner one, are hashed once
    here and copied per value, which takes half the time of `hmac.HMAC`'s Python wrapper. Tests
    hold it equal to the cipher's index.
    """

    _BLOCK = 64  # SHA-256 block size

    def __init__(self, index_key: str) -> None:
        key = base64.b64decode(index_key + "=" * (-len(index_key) % 4))
        if len(key) > self._BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self._BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + b"id_number\0")
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()
