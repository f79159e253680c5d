"""A real Jasmin gateway around PortTrust for the end-to-end tests: Jasmin's own daemons from
integrations/jasmin/.venv, a private Redis and RabbitMQ vhost, a minimal SMSC as the far end,
and smpplib as the customer. Nothing here is shared with another Jasmin on the machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import smpplib.client
import smpplib.consts
import smpplib.gsm

from porttrust_jasmin.gateway import PORT_NAMES, Gateway, PortTrustAccess, Upstream
from porttrust_jasmin.smsc import Smsc

ROOT = Path(__file__).resolve().parent.parent
JASMIN_PYTHON = ROOT / "integrations" / "jasmin" / ".venv" / "bin" / "python"
REQUIRED_ENV = "PORTTRUST_REQUIRE_JASMIN"
ESME_ROK, ESME_RSUBMITFAIL = 0x00, 0x45


def free_ports(count: int) -> list[int]:
    held = [socket.socket() for _ in range(count)]
    for sock in held:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in held]
    for sock in held:
        sock.close()
    return ports


def jasmin_or_skip() -> None:
    """Jasmin's environment, RabbitMQ and Redis must be here; CI says they must (.ci/run)."""
    missing = [what for what, ok in (
        ("integrations/jasmin/.venv (run integrations/jasmin/bin/setup)", JASMIN_PYTHON.exists()),
        ("rabbitmqctl", shutil.which("rabbitmqctl") is not None),
        ("redis-server", shutil.which("redis-server") is not None)) if not ok]
    if not missing:
        return
    message = "Jasmin end-to-end tests need " + ", ".join(missing)
    if os.environ.get(REQUIRED_ENV):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def private_redis(folder: Path) -> Iterator[int]:
    [port] = free_ports(1)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_port(port: int, timeout: float = 20) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


@dataclass
class Customer:
    """An SMPP customer of the gateway: submits and reads each answer's command_status."""

    host: str
    port: int
    user: tuple[str, str]
    client: Any = None
    statuses: dict[int, int] = field(default_factory=dict)

    def __enter__(self) -> Customer:
        self.client = smpplib.client.Client(self.host, self.port, timeout=15,
                                            allow_unknown_opt_params=True)
        self.client.set_message_sent_handler(self._answered)
        self.client.set_error_pdu_handler(self._answered)
        self.client.connect()
        self.client.bind_transceiver(system_id=self.user[0], password=self.user[1])
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.client.unbind()
        finally:
            self.client.disconnect()

    def _answered(self, pdu: Any) -> None:
        if pdu.command == "submit_sm_resp":
            self.statuses[pdu.sequence] = pdu.status

    def submit(self, source: str, destination: str, text: str) -> int:
        """submit_sm one short message; its submit_sm_resp command_status."""
        [part], coding, esm_class = smpplib.gsm.make_parts(text)
        pdu = self.client.send_message(
            source_addr_ton=smpplib.consts.SMPP_TON_UNK, source_addr=source,
            dest_addr_ton=smpplib.consts.SMPP_TON_INTL, destination_addr=destination,
            short_message=part, data_coding=coding, esm_class=esm_class)
        until = time.monotonic() + 15
        while pdu.sequence not in self.statuses and time.monotonic() < until:
            self.client.read_once()
        return self.statuses.pop(pdu.sequence)


@dataclass
class JasminRig:
    gateway: Gateway
    smsc: Smsc

    def customer(self) -> Customer:
        return Customer("127.0.0.1", self.gateway.ports["smpp"], self.gateway.customer)

    def interceptor_log(self) -> str:
        path = self.gateway.logs / "interceptor.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def jasmin_rig(home: Path, porttrust: PortTrustAccess, *, intercept: bool = True
               ) -> Iterator[JasminRig]:
    smsc = Smsc().start()
    try:
        with private_redis(home) as redis_port:
            gateway = Gateway(
                home=home / "jasmin", python=JASMIN_PYTHON, porttrust=porttrust,
                upstream=Upstream("127.0.0.1", smsc.port),
                ports=dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True)),
                redis=("127.0.0.1", redis_port, 0),
                vhost=f"porttrust-test-{os.getpid()}-{secrets.token_hex(3)}",
                intercept=intercept)
            try:
                gateway.start()
                until = time.monotonic() + 20
                while not smsc.bound() and time.monotonic() < until:
                    time.sleep(0.1)
                assert smsc.bound(), "Jasmin's connector never bound to the SMSC"
                yield JasminRig(gateway, smsc)
            finally:
                gateway.stop()
    finally:
        smsc.stop()
