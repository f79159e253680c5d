"""How a service is served: uvicorn's httptools protocol with bounded request headers.

httptools keeps a request's line and headers in memory however long they are (a 10 MiB
header was read, parsed and answered 200). Here the bytes of a request head are counted as
they arrive, before the parser sees them, and the number of header fields as it parses them:
over `<SERVICE>_MAX_HEADER_BYTES` or `<SERVICE>_MAX_HEADERS` the request is answered 431 and
the connection closed, without the rest of the head ever being kept.

A head that begins inside a read (pipelined after another request, or after the end of a
body on a kept-alive connection) is not counted from its first byte that way: the parser's
callbacks count it too (the URL's and each field's bytes), so such a head over the limit is
answered 431 when it is complete, having held at most one read's worth of bytes.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

HEAD_END = b"\r\n\r\n"
# After a 431 the connection stays open this long, reading and dropping what the client
# still sends, so that it reads the answer instead of a reset.
LINGER_SECONDS = 2.0
_BODY = json.dumps({
    "type": "https://porttrust.dev/problems/request-header-fields-too-large",
    "title": "Request header fields too large", "status": 431,
    "detail": "The request line and headers are longer, or more, than allowed."}).encode()


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol refusing long or many headers; limits set by `bounded_protocol`."""

    max_head_bytes = 32 * 1024
    max_headers = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head, self._head_bytes, self._fields = True, 0, 0
        self._parsed = 0  # the head's bytes as the parser hands them over
        self._tail, self._refused = b"", False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._head_bytes += self._head_part(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse()
                return
        super().data_received(data)

    def _head_part(self, data: bytes) -> int:
        """How many bytes of `data` belong to the head (all, unless its end is in there)."""
        seen, carried = self._tail + data, len(self._tail)
        end = seen.find(HEAD_END)
        self._tail = seen[-3:]
        return len(data) if end < 0 else max(0, end + len(HEAD_END) - carried)

    def on_message_begin(self) -> None:
        self._fields = self._parsed = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._parsed += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._fields += 1
        self._parsed += len(name) + len(value) + 4  # ": " and CRLF
        if self._fields <= self.max_headers:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._tail = False, b""
        if self._fields > self.max_headers or self._parsed > self.max_head_bytes:
            self._refuse()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0

    def _refuse(self) -> None:
        self._refused = True
        self.logger.warning("Request headers over the limit: answered 431.")
        head = [STATUS_LINE[431]]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head += [b"content-type: application/problem+json\r\n",
                 b"content-length: " + str(len(_BODY)).encode() + b"\r\n",
                 b"connection: close\r\n\r\n", _BODY]
        self.transport.write(b"".join(head))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


def bounded_protocol(*, max_head_bytes: int, max_headers: int) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn's `http=` with these limits."""
    return type("ServiceHttpProtocol", (BoundedHttpToolsProtocol,),
                {"max_head_bytes": max_head_bytes, "max_headers": max_headers})
