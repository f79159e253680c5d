"""Personal data at rest: AES-GCM with key ids, a keyed blind index, and masking."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from typing import Annotated, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import PlainSerializer

_VERSION = "v1"


class PiiError(Exception):
    """A ciphertext that cannot be opened: unknown key id, tampering or corruption."""


class PiiCipher:
    """Encrypts with the first key of the ring; decrypts with whichever key id a value names.

    Stored form: ``v1.<kid>.<base64url(nonce || ciphertext+tag)>``. The field name is bound as
    associated data, so a value copied into another column does not decrypt.
    """

    def __init__(self, keyring: str, index_key: str) -> None:
        self._keys: dict[str, AESGCM] = {}
        for part in keyring.split(","):
            kid, _, b64 = part.strip().partition(":")
            raw = base64.b64decode(b64)
            if not kid or "." in kid or len(raw) != 32:
                raise ValueError("each PII key must be 'kid:base64(32 bytes)'")
            self._keys.setdefault(kid, AESGCM(raw))
        self.current_kid = keyring.split(",")[0].split(":")[0].strip()
        self._index_key = base64.b64decode(index_key + "=" * (-len(index_key) % 4))
        if len(self._index_key) < 16:
            raise ValueError("the blind index key must be at least 16 bytes, base64")
        self._pads = _hmac_pads(self._index_key)
        self._inner, self._outer = hashlib.sha256(self._pads[0]), hashlib.sha256(self._pads[1])
        self._fields: dict[str, Any] = {}  # field name → inner state after `field NUL`

    def encrypt(self, plaintext: str, *, field: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self.current_kid].encrypt(nonce, plaintext.encode(), field.encode())
        blob = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{_VERSION}.{self.current_kid}.{blob}"

    def decrypt(self, stored: str, *, field: str) -> str:
        try:
            version, kid, blob = stored.split(".", 2)
            raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
            key = self._keys[kid]
            if version != _VERSION:
                raise PiiError("unknown ciphertext version")
            return key.decrypt(raw[:12], raw[12:], field.encode()).decode()
        except (ValueError, KeyError, InvalidTag) as exc:
            raise PiiError("cannot decrypt personal data") from exc

    def key_id_of(self, stored: str) -> str:
        parts = stored.split(".", 2)
        if len(parts) != 3:
            raise PiiError("not a sealed value")
        return parts[1]

    def blind_index(self, value: str, *, field: str) -> str:
        """Deterministic keyed hash for equality lookups; reveals nothing without the key:
        HMAC-SHA256 (RFC 2104) of `field NUL value`, hex. The key's padded blocks, and each
        field's `field NUL` after the inner one, are hashed once and copied per call (a
        third of `hmac.digest`'s time: the send check takes two a message)."""
        inner, outer = self.index_states(field)
        inner = inner.copy()
        inner.update(value.encode())
        outer = outer.copy()
        outer.update(inner.digest())
        found: str = outer.hexdigest()
        return found

    def index_states(self, field: str) -> tuple[Any, Any]:
        """The two SHA-256 states `blind_index(..., field=field)` continues (copy each before
        updating it): the inner one after the key's block and `field NUL`, the outer one after
        the key's block."""
        inner = self._fields.get(field)
        if inner is None:
            inner = self._inner.copy()
            inner.update(f"{field}\x00".encode())
            if len(self._fields) < _FIELDS:
                self._fields[field] = inner
        return inner, self._outer

    def index_blocks(self, field: str) -> tuple[bytes, bytes]:
        """What `index_states(field)`'s two states have hashed: the key's inner block and
        `field NUL`, the key's outer block. For code that keeps its own SHA-256 states (the
        registry's send check, in C); never to be logged or sent."""
        return self._pads[0] + f"{field}\x00".encode(), self._pads[1]


def _hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer key blocks (RFC 2104)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


_BLOCK = 64  # SHA-256's block size
_FIELDS = 64  # field names are the code's own few; more are hashed, not kept


def mask_id_number(value: str) -> str:
    """`11010519491231002X` → `110105********002X`."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """`13812345678` → `138****5678`."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """`张三` → `张*`, `欧阳娜娜` → `欧***`; a Latin name keeps its first letter."""
    value = value.strip()
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


# ---------------------------------------------------------------- free text

# One pattern for every shape personal numbers take inside free text, so a text is scanned
# once. Boundaries are ASCII letters and digits (not \w, which holds every Chinese character):
# digits inside a request id, UUID or hex id are never taken for a phone, while 电话13812345678
# is. ID numbers: 18 characters (17 digits and a digit or X) or the old 15 digits, with a
# plausible birth date, never starting with 10 (no province has that code: port numbers do).
# Mobiles: 1[3-9] and nine digits, optionally after +86 / 0086 / 86 (in parentheses or not)
# and split by spaces, dashes or dots after the third and seventh digit.
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_SEP = r"[ .\-]?"
_PII_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    rf"(?P<id>(?!10)[1-8][0-9]{{5}}(?:(?:18|19|20)[0-9]{{2}}{_DATE}[0-9]{{3}}[0-9Xx]"
    rf"|[0-9]{{2}}{_DATE}[0-9]{{3}}))"
    rf"|(?:\(?(?:\+|00)?86\)?{_SEP})?\(?(?P<mobile>1[3-9][0-9])\)?{_SEP}"
    rf"(?P<m2>[0-9]{{4}}){_SEP}(?P<m3>[0-9]{{4}})"
    r")(?![0-9A-Za-z])")


def _masked(match: re.Match[str]) -> str:
    found = match.group("id")
    if found is not None:
        return mask_id_number(found.upper())
    return mask_phone(match.group("mobile") + match.group("m2") + match.group("m3"))


def scrub(text: str) -> str:
    """Mask every ID number and mobile number inside free text (any common spelling)."""
    return _PII_RE.sub(_masked, text)


def scrub_optional(text: str | None) -> str | None:
    return None if text is None else scrub(text)


def scrub_data(value: Any) -> Any:
    """`scrub` over every string inside JSON-like data (dicts, lists); the rest as is."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: scrub_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_data(item) for item in value]
    return value


# Response fields holding free text: stored as written, masked whenever they are serialised.
ScrubbedText = Annotated[str, PlainSerializer(scrub, return_type=str)]
OptionalScrubbedText = Annotated[str | None, PlainSerializer(scrub_optional,
                                                               return_type=str | None)]
ScrubbedData = Annotated[Any, PlainSerializer(scrub_data)]
