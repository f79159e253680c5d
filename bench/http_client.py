"""The load generator's HTTP/1.1 client, written by hand.

The load generator shares the machine with the servers it measures, so it must cost far less
per request than they do: a bare endpoint answers in well under a millisecond, about what an
httpx request costs the client, so an httpx generator measured itself as much as the server
and pulled every ratio towards 1. This one writes pre-encoded HTTP/1.1 requests on kept-alive
sockets (one per request in flight, as httpx's pool did) and reads only the status line and
the body's length.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import httpx

TIMEOUT_SECONDS = 10.0


def encode(method: str, url_text: str, headers: Mapping[str, str],
           json_body: Any = None) -> tuple[tuple[str, int], bytes]:
    """(host, port) and the whole request, encoded once and sent as often as needed."""
    url = httpx.URL(url_text)
    body = b"" if json_body is None else json.dumps(
        json_body, ensure_ascii=False, separators=(",", ":")).encode()
    host = url.host or "127.0.0.1"
    port = url.port or 80
    path = url.raw_path.decode("ascii") or "/"
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}",
             "Accept: */*", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if json_body is not None:
        lines.append("Content-Type: application/json")
    if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return (host, port), head + body


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: one request at a time, answered by its status."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bool]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        parsed = _parse_response(self.buffer)
        if parsed is not None:
            status, used, keep_alive = parsed
            del self.buffer[:used]
            self.waiter.set_result((status, keep_alive))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed"))

    async def request(self, raw: bytes) -> tuple[int, bool]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _parse_response(buffer: bytearray) -> tuple[int, int, bool] | None:
    """(status, bytes used, keep-alive) once a whole response is in `buffer`, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    start = end + 4
    if "content-length" in headers:
        length = start + int(headers["content-length"])
        return (int(status), length, keep_alive) if len(buffer) >= length else None
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunked = _chunked_end(buffer, start)
        return None if chunked is None else (int(status), chunked, keep_alive)
    return int(status), start, keep_alive


def _chunked_end(buffer: bytearray, at: int) -> int | None:
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", line_end)
            return None if trailer_end < 0 else trailer_end + 4
        at = line_end + 2 + size + 2
        if len(buffer) < at:
            return None


async def _open(target: tuple[str, int]) -> _Connection:
    _, conn = await asyncio.get_running_loop().create_connection(_Connection, *target)
    return conn


class ConnectionPool:
    """One connection per (server, worker slot), opened on first use and reopened after an
    error; a failed or timed-out request counts as status 0, as a transport error did."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._connections: dict[tuple[tuple[str, int], int], _Connection] = {}

    async def __aenter__(self) -> ConnectionPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()

    async def send(self, slot: int, target: tuple[str, int], raw: bytes) -> int:
        conn = self._connections.get((target, slot))
        status, keep_alive = 0, False
        try:
            if conn is None or conn.closed:
                conn = await asyncio.wait_for(_open(target), TIMEOUT_SECONDS)
                self._connections[(target, slot)] = conn
            status, keep_alive = await asyncio.wait_for(conn.request(raw), TIMEOUT_SECONDS)
        except (OSError, TimeoutError, ValueError):
            pass
        if not keep_alive and conn is not None:
            conn.close()
            self._connections.pop((target, slot), None)
        return status
