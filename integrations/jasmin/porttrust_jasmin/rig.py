"""A whole trial rig on one machine: a private Redis, a minimal SMSC and one Jasmin gateway
with PortTrust's interceptors. The end-to-end tests and the bench use it; an operator can too
(see README): nothing in it is shared with another Jasmin on the machine.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from porttrust_dev.stack import free_ports
from porttrust_jasmin.gateway import PORT_NAMES, Gateway, PortTrustAccess, Upstream, wait_port
from porttrust_jasmin.smsc import Smsc


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


@dataclass
class Rig:
    gateway: Gateway
    smsc: Smsc

    def interceptor_log(self) -> str:
        path = self.gateway.logs / "interceptor.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def rig(home: Path, python: Path, porttrust: PortTrustAccess, *, intercept: bool = True,
        smsc: Smsc | None = None) -> Iterator[Rig]:
    """Jasmin bound to an SMSC (a new one unless given), stopped and cleaned up on exit."""
    own = smsc is None
    home.mkdir(parents=True, exist_ok=True)
    far_end = Smsc().start() if smsc is None else smsc
    try:
        with private_redis(home) as redis_port:
            gateway = Gateway(
                home=home / "jasmin", python=python, porttrust=porttrust,
                upstream=Upstream("127.0.0.1", far_end.port),
                ports=dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True)),
                redis=("127.0.0.1", redis_port, 0),
                vhost=f"porttrust-rig-{os.getpid()}-{secrets.token_hex(3)}", intercept=intercept)
            try:
                gateway.start()
                until = time.monotonic() + 20
                while not far_end.bound() and time.monotonic() < until:
                    time.sleep(0.1)
                if not far_end.bound():
                    raise RuntimeError("Jasmin's connector never bound to the SMSC")
                yield Rig(gateway, far_end)
            finally:
                gateway.stop()
    finally:
        if own:
            far_end.stop()
