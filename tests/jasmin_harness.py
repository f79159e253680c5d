"""A real Jasmin gateway around PortTrust for the end-to-end tests (porttrust_jasmin.rig:
Jasmin's own daemons from integrations/jasmin/.venv, a private Redis and RabbitMQ vhost, a
minimal SMSC as the far end) and smpplib as the customer.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import smpplib.client
import smpplib.consts
import smpplib.gsm

from porttrust_jasmin.rig import Rig

ROOT = Path(__file__).resolve().parent.parent
JASMIN_PYTHON = ROOT / "integrations" / "jasmin" / ".venv" / "bin" / "python"
REQUIRED_ENV = "PORTTRUST_REQUIRE_JASMIN"
ESME_ROK, ESME_RSUBMITFAIL = 0x00, 0x45


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


def customer_of(rig: Rig) -> Customer:
    return Customer("127.0.0.1", rig.gateway.ports["smpp"], rig.gateway.customer)
