"""What an anonymous client can make a real service process hold: almost nothing.

Raw sockets rather than httpx: the tests must send a body that is never read, or a head
that is never finished, and see the answer that comes back meanwhile.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import threading
from pathlib import Path

import httpx
import pytest

from porttrust_dev.stack import Stack
from tests.helpers_flows import uscc

pytestmark = pytest.mark.e2e
MiB = 1024 * 1024
UPLOADS, UPLOAD_MIB = 16, 63
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def resident_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


class PeakSampler(threading.Thread):
    """The highest VmRSS of a process seen while it runs (every 5 ms), and its VmHWM."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True
        self.hwm_before = resident_kib(pid, "VmHWM")

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, resident_kib(self.pid))
            threading.Event().wait(0.005)

    def stop(self) -> int:
        """The peak in KiB: VmHWM when it rose meanwhile (it then caught every spike)."""
        self.running = False
        self.join()
        hwm = resident_kib(self.pid, "VmHWM")
        return max(self.peak, hwm if hwm > self.hwm_before else 0)


async def chunked_upload(host: str, port: int, path: str, mib: int) -> bytes:
    """POST `mib` MiB as chunked CSV without a token; the status line that came back."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/csv\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    chunk = b"%x\r\n" % MiB + b"1" * MiB + b"\r\n"
    for _ in range(mib):
        writer.write(chunk)
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.readline(), 30)
    finally:
        await closed(writer)


async def head_only(host: str, port: int, head: bytes, wait: float = 10) -> bytes:
    """Send `head` (no body after it) and return the status line, ignoring a reset while
    sending."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for start in range(0, len(head), MiB):
            writer.write(head[start:start + MiB])
            await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        pass
    try:
        return await asyncio.wait_for(reader.readline(), wait)
    finally:
        await closed(writer)


async def answers(host: str, port: int, data: bytes, wait: float = 10) -> bytes:
    """Send `data` in one write; everything the service answers until it closes."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), wait)
    finally:
        await closed(writer)


async def closed(writer: asyncio.StreamWriter) -> None:
    """Closed before the loop ends: a transport still closing when `asyncio.run` returns is
    reported as unclosed later, in whichever test the garbage collector happens to run."""
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


def test_anonymous_uploads_leave_registry_memory_where_it_was(stack: Stack) -> None:
    pid = stack.processes["registry"].pid
    idle = resident_kib(pid)
    sampler = PeakSampler(pid)
    sampler.start()

    async def flood() -> list[bytes]:
        return await asyncio.gather(*(
            chunked_upload(stack.host, stack.ports["registry"], "/v1/sub-ports/import",
                           UPLOAD_MIB) for _ in range(UPLOADS)))

    statuses = asyncio.run(flood())
    peak = sampler.stop()
    print(f"registry idle {idle} KiB, peak {peak} KiB under {UPLOADS} uploads")
    assert {s.split()[1] for s in statuses} == {b"401"}
    assert peak - idle <= 64 * 1024, f"idle {idle} KiB, peak {peak} KiB"


def test_a_json_route_answers_401_without_waiting_for_the_body(stack: Stack) -> None:
    head = (f"POST /v1/organizations HTTP/1.1\r\nHost: {stack.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {4 * MiB}\r\n\r\n").encode()
    status = asyncio.run(head_only(stack.host, stack.ports["registry"], head, wait=5))
    assert status.split()[1] == b"401"


@pytest.mark.parametrize("service", ["identity", "registry", "credit", "whitelist"])
def test_a_10_mib_header_is_431(stack: Stack, service: str) -> None:
    head = (f"GET /healthz HTTP/1.1\r\nHost: {stack.host}\r\nX-Big: ".encode()
            + b"a" * (10 * MiB) + b"\r\n\r\n")
    status = asyncio.run(head_only(stack.host, stack.ports[service], head))
    assert status.split()[1] == b"431"


def test_too_many_header_fields_are_431(stack: Stack) -> None:
    fields = "".join(f"X-F{n}: v\r\n" for n in range(200))
    head = f"GET /healthz HTTP/1.1\r\nHost: {stack.host}\r\n{fields}\r\n".encode()
    status = asyncio.run(head_only(stack.host, stack.ports["registry"], head))
    assert status.split()[1] == b"431"


@pytest.mark.parametrize("before", ["a request", "a body"])
def test_a_long_head_that_begins_inside_a_read_is_431(stack: Stack, before: str) -> None:
    """A head pipelined after another request, or after the end of a body on a kept-alive
    connection, arrives in the same read and is not counted from its first byte as it
    arrives; the parser's own count refuses it."""
    lead = (f"GET /healthz HTTP/1.1\r\nHost: {stack.host}\r\n\r\n" if before == "a request"
            else f"POST /v1/send-checks HTTP/1.1\r\nHost: {stack.host}\r\n"
                 "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").encode()
    long = (f"GET /healthz HTTP/1.1\r\nHost: {stack.host}\r\nX-Big: ".encode()
            + b"a" * 40_000 + b"\r\n\r\n")
    answered = asyncio.run(answers(stack.host, stack.ports["registry"], lead + long))
    assert b"HTTP/1.1 431 " in answered
    assert httpx.get(stack.url("registry") + "/healthz", timeout=10).status_code == 200


def test_an_http_client_reads_the_431_and_the_service_serves_on(stack: Stack) -> None:
    big = {"X-Big": "a" * (64 * 1024)}
    refused = httpx.get(stack.url("registry") + "/healthz", headers=big, timeout=10)
    assert refused.status_code == 431
    assert refused.json()["status"] == 431
    assert httpx.get(stack.url("registry") + "/healthz", timeout=10).status_code == 200


def test_a_nul_in_a_text_field_is_422_not_500(stack: Stack, admin_token: str) -> None:
    body = json.dumps({"uscc": uscc(990001), "name": "Nul\u0000Corp", "province": "44"})
    response = httpx.post(stack.url("registry") + "/v1/organizations", content=body,
                          headers={"Authorization": f"Bearer {admin_token}",
                                   "Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_the_high_s_twin_of_a_real_token_is_refused(stack: Stack, admin_token: str) -> None:
    head, body, signature = admin_token.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    s = P256_N - int.from_bytes(raw[32:], "big")
    twin = f"{head}.{body}." + base64.urlsafe_b64encode(
        raw[:32] + s.to_bytes(32, "big")).rstrip(b"=").decode()
    url = stack.url("registry") + "/v1/organizations"
    assert httpx.get(url, headers={"Authorization": f"Bearer {admin_token}"},
                     timeout=10).status_code == 200
    refused = httpx.get(url, headers={"Authorization": f"Bearer {twin}"}, timeout=10)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
