"""What a request may carry: a body cap enforced while the body streams, and no NUL character
in any text (PostgreSQL refuses NUL in text columns; caught here, it is a 422, not a 500).

Nothing here buffers a body: `receive` is wrapped, each chunk is counted and looked at as it
passes, and the first chunk over the line raises `BodyRefused` (413 or 422) into whatever
is reading the body."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.types import Message, Receive, Scope

from porttrust_shared.errors import BodyRefused, PayloadTooLarge, Unprocessable

NUL_DETAIL = "Text may not contain the NUL character."
# A JSON string escape \u0000 (after an odd run of backslashes it is text, not an escape).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
NulCheck = Callable[[bytes], bool]
# Bytes of one chunk carried into the next search, so an escape split between two chunks is
# still seen (a run of more than 60 backslashes just before one is not told apart).
_CARRY = 64


def nul_refused() -> BodyRefused:
    return BodyRefused(Unprocessable(NUL_DETAIL, errors=[{"loc": ["body"], "msg": NUL_DETAIL,
                                                          "type": "nul_character"}]))


def nul_in_target(scope: Scope) -> bool:
    """A NUL in the path or the query string (raw, or percent-encoded)."""
    return "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"")


def _json_nul(data: bytes) -> bool:
    return b"\\u0000" in data and _JSON_NUL.search(data) is not None


def _form_nul(data: bytes) -> bool:
    return b"%00" in data or b"\x00" in data


def nul_check(content_type: str | None) -> NulCheck | None:
    """How a NUL is written in a body of this media type; None: not looked for (files such as
    the CSV import check their rows themselves)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return _json_nul
    if media == "application/x-www-form-urlencoded":
        return _form_nul
    return None


def guarded_receive(receive: Receive, *, cap: int | None,
                    nul: NulCheck | None) -> Receive:
    """`receive` that raises BodyRefused once more than `cap` bytes came (None: the server
    already holds the body to its declared length) or a chunk holds a NUL."""
    size, carry = 0, b""

    async def guarded() -> Message:
        nonlocal size, carry
        message = await receive()
        if message["type"] != "http.request":
            return message
        body: bytes = message.get("body", b"")
        size += len(body)
        if cap is not None and size > cap:
            raise BodyRefused(PayloadTooLarge("The request body is larger than allowed."))
        if nul is not None and body:
            seen = carry + body
            if nul(seen):
                raise nul_refused()
            carry = seen[-_CARRY:]
        return message

    return guarded
