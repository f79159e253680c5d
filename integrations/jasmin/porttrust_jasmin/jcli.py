"""Drive Jasmin's jCli console (a telnet-style prompt) from Python, for provisioning.

Every command is sent as a line and answered up to the next prompt (`jcli : ` at the top,
`> ` inside an add session). An answer that carries an error marker fails loudly, naming the
command, so provisioning never half-succeeds in silence.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Callable
from types import TracebackType

PROMPTS = (b"jcli : ", b"> ")
ERRORS = re.compile(r"(Unknown|Error|error|Invalid|invalid|not found|Cannot|failed|must)")
TELNET_IAC = re.compile(rb"\xff[\xfb-\xfe].|\xff\xf0|\xff\xfa.*?\xff\xf0", re.S)


def _ends(markers: tuple[bytes, ...]) -> Callable[[bytes], bool]:
    return lambda data: any(data.endswith(m) for m in markers)


class JCliError(RuntimeError):
    pass


class JCli:
    def __init__(self, host: str, port: int, *, username: str = "", password: str = "",
                 timeout: float = 10) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password = username, password
        self.sock: socket.socket | None = None

    def __enter__(self) -> JCli:
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        # The greeting ends with its session line; the prompt first follows a command.
        first = self._read_until(lambda d: d.endswith(b"Username: ")
                                 or (b"Session ref" in d and d.endswith(b"\n")))
        if b"Username: " in first:
            self._send(self.username)
            self._read_until(_ends((b"Password: ",)))
            self._send(self.password)
            if b"jcli : " not in self._read_until(_ends((b"jcli : ", b"Username: "))):
                raise JCliError("jCli refused the credentials")
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self._send("quit")
            self.sock.close()

    def run(self, command: str) -> str:
        """One top-level command; its answer without the prompt."""
        self._send(command)
        _echo, _, answer = self._clean(self._read_until(_ends(PROMPTS))).partition("\n")
        if ERRORS.search(answer):
            raise JCliError(f"jCli {command.split()[0]}: {answer.strip()}")
        return answer

    def add(self, manager: str, values: dict[str, object]) -> str:
        """`<manager> -a`, one `key value` line each, then `ok`."""
        self.run(f"{manager} -a")
        for key, value in values.items():
            self.run(f"{key} {value}")
        return self.run("ok")

    def _send(self, line: str) -> None:
        assert self.sock is not None
        self.sock.sendall(line.encode() + b"\r\n")

    def _read_until(self, done: Callable[[bytes], bool]) -> bytes:
        assert self.sock is not None
        data, until = b"", time.monotonic() + self.timeout
        while not done(data):
            if time.monotonic() > until:
                raise JCliError(f"jCli did not answer in {self.timeout}s: {data[-200:]!r}")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise JCliError("jCli closed the connection")
            data += TELNET_IAC.sub(b"", chunk)
        return data

    @staticmethod
    def _clean(data: bytes) -> str:
        text = data.decode("utf-8", "replace")
        for prompt in PROMPTS:
            text = text.replace(prompt.decode(), "")
        return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
