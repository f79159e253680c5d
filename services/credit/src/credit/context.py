import base64
import hashlib
import hmac
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
    """The blind index of an ID number, as `PiiCipher.blind_index(v, field="id_number")`
    computes it (HMAC-SHA256 of "id_number\\0" + value), with the keyed state for the
    "id_number\\0" prefix built once and copied per value: a check hashes up to 1,000."""

    def __init__(self, index_key: str) -> None:
        raw = base64.b64decode(index_key + "=" * (-len(index_key) % 4))
        self._prefix = hmac.new(raw, b"id_number\x00", hashlib.sha256)

    def __call__(self, value: str) -> str:
        digest = self._prefix.copy()
        digest.update(value.encode())
        return digest.hexdigest()
