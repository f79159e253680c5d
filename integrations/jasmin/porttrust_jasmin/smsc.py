"""A minimal SMSC: the far end of Jasmin's SMPP client connector, for tests and trials.

It accepts any bind, answers every submit_sm with a message id and keeps what it received, and
can send a deliver_sm (a recipient's reply) to whoever is bound as receiver or transceiver.
SMPP 3.4, standard library only; it runs its own event loop in a thread so synchronous code
(pytest, a shell) can drive it: `python -m porttrust_jasmin.smsc --port 2776`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import struct
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from porttrust_jasmin.content import decode

BIND_IDS = {0x01, 0x02, 0x09}  # receiver, transmitter, transceiver
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x04, 0x05, 0x06, 0x15
RESP, GENERIC_NACK = 0x80000000, 0x80000000
HEADER = struct.Struct("!IIII")


@dataclass(frozen=True)
class Submitted:
    source: str
    destination: str
    text: str
    data_coding: int


class Reader:
    def __init__(self, body: bytes) -> None:
        self.body, self.at = body, 0

    def cstring(self) -> str:
        end = self.body.index(b"\0", self.at)
        value, self.at = self.body[self.at:end].decode("latin-1"), end + 1
        return value

    def byte(self) -> int:
        self.at += 1
        return self.body[self.at - 1]

    def take(self, size: int) -> bytes:
        self.at += size
        return self.body[self.at - size:self.at]


def parse_submit(body: bytes) -> Submitted:
    r = Reader(body)
    r.cstring()  # service_type
    r.byte(), r.byte()
    source = r.cstring()
    r.byte(), r.byte()
    destination = r.cstring()
    esm_class = r.byte()
    r.byte(), r.byte()
    r.cstring(), r.cstring()  # schedule_delivery_time, validity_period
    r.byte(), r.byte()
    coding = r.byte()
    r.byte()
    raw = r.take(r.byte())
    if esm_class & 0x40 and raw:
        raw = raw[1 + raw[0]:]
    return Submitted(source, destination, decode(raw, coding), coding)


def deliver_body(source: str, destination: str, text: str) -> bytes:
    try:
        raw, coding = text.encode("ascii"), 0x01
    except UnicodeEncodeError:
        raw, coding = text.encode("utf-16-be"), 0x08
    return (b"\0" + bytes([1, 1]) + source.encode() + b"\0" + bytes([1, 1])
            + destination.encode() + b"\0" + bytes([0, 0, 0]) + b"\0\0"
            + bytes([0, 0, coding, 0, len(raw)]) + raw)


class Smsc:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.received: list[Submitted] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._sessions: list[_Session] = []
        self._ids = itertools.count(1)

    def start(self) -> Smsc:
        self._thread.start()
        server: asyncio.Server = self._run(
            asyncio.start_server(self._serve, self.host, self.port))
        self._server, self.port = server, server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for session in self._sessions:
                session.writer.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    def bound(self) -> bool:
        return any(s.bound for s in self._sessions)

    def deliver(self, source: str, destination: str, text: str, timeout: float = 10) -> int:
        """Send a deliver_sm to the bound gateway; its deliver_sm_resp command_status."""
        session = next(s for s in self._sessions if s.bound)
        request = session.request(DELIVER_SM, deliver_body(source, destination, text))
        status: int = self._run(request, timeout)
        return status

    def wait_for(self, match: Callable[[Submitted], bool], timeout: float = 15) -> Submitted:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            found = next((m for m in list(self.received) if match(m)), None)
            if found is not None:
                return found
            time.sleep(0.05)
        raise TimeoutError("the SMSC received no matching submit_sm")

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(self, reader, writer)
        self._sessions.append(session)
        try:
            await session.run()
        finally:
            self._sessions.remove(session)
            writer.close()


class _Session:
    def __init__(self, smsc: Smsc, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.smsc, self.reader, self.writer = smsc, reader, writer
        self.bound = False
        self.pending: dict[int, asyncio.Future[int]] = {}
        self.sequence = itertools.count(1)

    def send(self, command: int, status: int, sequence: int, body: bytes = b"") -> None:
        self.writer.write(HEADER.pack(16 + len(body), command, status, sequence) + body)

    async def request(self, command: int, body: bytes) -> int:
        sequence = next(self.sequence)
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.pending[sequence] = answer
        self.send(command, 0, sequence, body)
        return await answer

    async def run(self) -> None:
        while True:
            try:
                header = await self.reader.readexactly(16)
                length, command, status, sequence = HEADER.unpack(header)
                body = await self.reader.readexactly(length - 16)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            if command & RESP:
                waiting = self.pending.pop(sequence, None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(status)
                continue
            if not self.handle(command, sequence, body):
                return

    def handle(self, command: int, sequence: int, body: bytes) -> bool:
        if command in BIND_IDS:
            self.bound = True
            self.send(command | RESP, 0, sequence, b"porttrust-smsc\0")
        elif command == SUBMIT_SM:
            self.smsc.received.append(parse_submit(body))
            self.send(command | RESP, 0, sequence, f"{next(self.smsc._ids):08x}\0".encode())
        elif command == ENQUIRE_LINK:
            self.send(command | RESP, 0, sequence)
        elif command == UNBIND:
            self.send(command | RESP, 0, sequence)
            return False
        else:
            self.send(GENERIC_NACK, 0x03, sequence)  # ESME_RINVCMDID
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2776)
    args = parser.parse_args()
    smsc = Smsc(args.host, args.port).start()
    print(f"SMSC listening on {args.host}:{smsc.port}", flush=True)
    try:
        while True:
            time.sleep(1)
            for message in smsc.received[-10:]:
                print(message, flush=True)
            smsc.received.clear()
    except KeyboardInterrupt:
        smsc.stop()


if __name__ == "__main__":
    main()
