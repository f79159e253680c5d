"""Start the four services as real processes: `make run` and the end-to-end tests use this.

The library imports no service: services are named and started as `python -m <name> serve`.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from porttrust_shared.settings import default_var_dir

SERVICES = ("identity", "registry", "credit", "whitelist")
DEFAULT_PORTS = {"identity": 8000, "registry": 8001, "credit": 8002, "whitelist": 8003}
CALLS = {"registry": ("credit", "whitelist"), "credit": ("registry",),
         "whitelist": ("registry",)}


def free_ports(count: int) -> list[int]:
    """Loopback ports the OS hands out as free; all held open together so they are distinct."""
    held = [socket.socket() for _ in range(count)]
    for sock in held:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in held]
    for sock in held:
        sock.close()
    return ports


def service_ports() -> dict[str, int]:
    """A free loopback port for each service."""
    return dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))


def start_in_order(start: Callable[[str], object], wait_ready: Callable[[str], object],
                   services: Collection[str] = SERVICES) -> None:
    """Identity first and ready (the others fetch its keys), then the others together."""
    for group in (SERVICES[:1], SERVICES[1:]):
        names = [name for name in group if name in services]
        for name in names:
            start(name)
        for name in names:
            wait_ready(name)


@dataclass
class Stack:
    var_dir: Path
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    database_urls: Mapping[str, str] = field(default_factory=dict)
    admin_password: str | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Asked between steps while starting; true ends the start with StopRequested (make run).
    stopping: Callable[[], bool] = lambda: False

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.ports[name]}"

    def secrets(self) -> dict[str, str]:
        """Machine secrets for the services, made once per var dir and kept there (0600)."""
        path = self.var_dir / "service-secrets.json"
        if path.exists():
            loaded: dict[str, str] = json.loads(path.read_text())
            return loaded
        self.var_dir.mkdir(parents=True, exist_ok=True)
        made = {name: secrets.token_urlsafe(32) for name in SERVICES[1:]}
        path.write_text(json.dumps(made))
        path.chmod(0o600)
        return made

    def env_for(self, name: str) -> dict[str, str]:
        prefix, shared = name.upper() + "_", self.secrets()
        env = dict(os.environ)
        env.update({
            prefix + "HOST": self.host, prefix + "PORT": str(self.ports[name]),
            prefix + "ISSUER": self.url("identity"),
            prefix + "JWKS_URL": self.url("identity") + "/.well-known/jwks.json",
            prefix + "IDENTITY_URL": self.url("identity"),
            prefix + "VAR_DIR": str(self.var_dir),
            prefix + "OUTBOX_INTERVAL_SECONDS": env.get(prefix + "OUTBOX_INTERVAL_SECONDS", "0.5"),
        })
        if name in self.database_urls:
            env[prefix + "DATABASE_URL"] = self.database_urls[name]
        if name == "identity":
            clients = [{"client_id": f"svc-{svc}", "client_secret": shared[svc], "name": svc,
                        "roles": ["service"], "province": "HQ"} for svc in SERVICES[1:]]
            env[prefix + "BOOTSTRAP_CLIENTS"] = json.dumps(clients)
            env[prefix + "CORS_ORIGINS"] = ",".join(self.url(s) for s in SERVICES[1:])
            if self.admin_password:
                env["PORTTRUST_ADMIN_PASSWORD"] = self.admin_password
        else:
            env[prefix + "CLIENT_ID"] = f"svc-{name}"
            env[prefix + "CLIENT_SECRET"] = shared[name]
            for other in CALLS[name]:
                env[prefix + other.upper() + "_URL"] = self.url(other)
        env.update(self.extra_env)
        return env

    def start(self, name: str) -> None:
        if self.stopping():
            raise StopRequested
        # The child keeps its own copy of the descriptor; the parent's is closed at once.
        with (self.var_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", name, "serve"], env=self.env_for(name),
                stdout=log if name != "identity" else None, stderr=log,
            )

    def stop(self, name: str) -> None:
        proc = self.processes.pop(name, None)
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stopping():
                raise StopRequested
            proc = self.processes.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {name}.log")
            try:
                if httpx.get(self.url(name) + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not become ready within {timeout}s")

    def start_all(self, services: Collection[str] = SERVICES) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        start_in_order(self.start, self.wait_ready, services)

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)


def main() -> int:
    """`make run`: all four services on the embedded default until Ctrl-C (then exit 0)."""
    var_dir = default_var_dir()
    ports = dict(DEFAULT_PORTS)
    for name in SERVICES:
        ports[name] = int(os.environ.get(f"{name.upper()}_PORT", ports[name]))
    received = _catch_stop_signals()
    stack = Stack(var_dir=var_dir, ports=ports,
                  admin_password=os.environ.get("PORTTRUST_ADMIN_PASSWORD"),
                  stopping=lambda: bool(received))
    try:
        print("Starting PortTrust (Ctrl-C stops it) ...", flush=True)
        stack.start_all()
        _print_banner(stack)
        while not received and all(p.poll() is None for p in stack.processes.values()):
            time.sleep(0.5)
        if not received:
            # Ctrl-C reaches the services too (one process group): one may exit before our
            # own handler has run. Give the signal a moment before calling it a crash.
            time.sleep(0.5)
        if received:
            return _stopped_exit_code(received)
        print("a service exited; stopping the others", file=sys.stderr)
        return 1
    except StopRequested:
        return _stopped_exit_code(received)
    except RuntimeError as exc:  # a service did not start
        if received:
            return _stopped_exit_code(received)
        print(f"PortTrust did not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop_all()
        # Python gives the signals back to their default while it exits: one more Ctrl-C
        # then would kill it by signal (exit -2) after a clean stop. Nothing is left to stop.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


class StopRequested(Exception):
    """Ctrl-C or SIGTERM came while the services were starting."""


def _catch_stop_signals() -> list[int]:
    """Ctrl-C (SIGINT) ends the run cleanly, exit 0, however often it is pressed; `kill`
    (SIGTERM) stops the four services too (exit 143), never orphans them.

    The handler only records the signal; it never raises. The run looks at the record
    between its steps (at most about a second apart). An exception thrown from a signal
    handler can land anywhere, including inside an `except` or `finally` that is already
    running, and escape the clean stop (CI saw a Ctrl-C during start end as exit -2)."""
    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return received


def _stopped_exit_code(received: list[int]) -> int:
    """0 for Ctrl-C, 128 + 15 for SIGTERM, as a shell reports a process stopped by it."""
    return 128 + signal.SIGTERM if received[0] == signal.SIGTERM else 0


def _print_banner(stack: Stack) -> None:
    print("\nPortTrust is running. Swagger UIs (ReDoc at /redoc):")
    for name in SERVICES:
        print(f"  {name:<10} {stack.url(name)}/docs")
    print(f"Logs in {stack.var_dir}/<service>.log. Ctrl-C stops all four.\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
