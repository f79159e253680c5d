"""Bring a Jasmin gateway up with PortTrust's interceptors, and down again.

Everything of one gateway lives in its home folder: configs, logs, Jasmin's store, lock files,
the whitelist copy and the pids. Jasmin's daemons take a fixed lock in /tmp and default to
fixed ports, a shared RabbitMQ vhost and Redis database; here each gateway gets its own ports,
its own lock folder, its own RabbitMQ vhost and a Redis database of its own choosing, so two
gateways (or a test and an operator's trial) never touch each other.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from porttrust_jasmin.jcli import JCli

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE.parent / "scripts"
PORT_NAMES = ("smpp", "http", "jcli", "router", "smppcm", "smpps_pb", "interceptor")
DEFAULT_PORTS = {"smpp": 2775, "http": 1401, "jcli": 8990, "router": 8988, "smppcm": 8989,
                 "smpps_pb": 14000, "interceptor": 8987}

# Runs one Jasmin daemon with its /tmp lock moved into the gateway's home.
LAUNCHER = """
import os, runpy, sys, lockfile
real, folder = lockfile.FileLock, os.environ["JASMIN_LOCK_DIR"]
lockfile.FileLock = lambda path, *a, **k: real(
    os.path.join(folder, os.path.basename(path)), *a, **k)
import jasmin.bin
script = os.path.join(os.path.dirname(jasmin.bin.__file__), sys.argv[1] + ".py")
sys.argv = [script] + sys.argv[2:]
runpy.run_path(script, run_name="__main__")
"""


@dataclass
class PortTrustAccess:
    identity_url: str
    registry_url: str
    whitelist_url: str
    client_id: str
    client_secret: str
    timeout_seconds: float = 0.5
    fail_policy: str = "closed"
    whitelist_refresh_seconds: float = 60.0
    multipart: str = "refuse"


@dataclass
class Upstream:
    """The operator's SMSC that Jasmin's SMPP client connector binds to."""
    host: str
    port: int
    system_id: str = "porttrust"
    password: str = "pt-smsc"  # SMPP passwords are at most 8 characters


@dataclass
class Gateway:
    home: Path
    python: Path  # Jasmin's own interpreter (integrations/jasmin/.venv/bin/python)
    porttrust: PortTrustAccess
    upstream: Upstream
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    customer: tuple[str, str] = ("customer", "cust-pw")  # SMPP/HTTP user of the gateway
    redis: tuple[str, int, int] = ("127.0.0.1", 6379, 0)
    amqp: tuple[str, int, str, str] = ("127.0.0.1", 5672, "guest", "guest")
    vhost: str = "porttrust-jasmin"
    intercept: bool = True
    children: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def config_text(self) -> str:
        r_host, r_port, r_db = self.redis
        a_host, a_port, a_user, a_password = self.amqp
        p = self.ports
        # Jasmin logs numbers and content in clear at INFO: its components log at WARNING with
        # log_privacy on, and PortTrust's decisions (masked) log at INFO beside them.
        quiet: dict[str, object] = {"log_level": "WARNING", "log_privacy": "True"}
        sections: dict[str, dict[str, object]] = {
            "smpp-server": {"bind": "127.0.0.1", "port": p["smpp"], **quiet},
            "smpp-server-pb": {"bind": "127.0.0.1", "port": p["smpps_pb"]},
            "smpp-server-pb-client": {"host": "127.0.0.1", "port": p["smpps_pb"]},
            "client-management": {"bind": "127.0.0.1", "port": p["smppcm"],
                                  "store_path": self.home / "store"},
            "router": {"bind": "127.0.0.1", "port": p["router"], "store_path": self.home / "store"},
            "http-api": {"bind": "127.0.0.1", "port": p["http"], **quiet},
            "sm-listener": quiet, "dlr": quiet, "service-smppclient": {"log_level": "WARNING"},
            "jcli": {"bind": "127.0.0.1", "port": p["jcli"], "authentication": "False"},
            "interceptor-client": {"host": "127.0.0.1", "port": p["interceptor"]},
            "interceptor": {"bind": "127.0.0.1", "port": p["interceptor"],
                            "log_level": "WARNING"},
            "redis-client": {"host": r_host, "port": r_port, "dbid": r_db},
            "amqp-broker": {"host": a_host, "port": a_port, "username": a_user,
                            "password": a_password, "vhost": self.vhost,
                            "spec": self.amqp_spec()},
        }
        lines = []
        for name, values in sections.items():
            lines.append(f"[{name}]")
            lines += [f"{key} = {value}" for key, value in values.items()]
            lines.append("")
        return "\n".join(lines)

    def amqp_spec(self) -> Path:
        """The AMQP 0-9-1 spec Jasmin loads at start: its wheel lacks it, so `bin/setup`
        takes it from Jasmin's source distribution into the venv's share/jasmin/."""
        return self.python.parent.parent / "share" / "jasmin" / "resource" / "amqp0-9-1.xml"

    def environment(self) -> dict[str, str]:
        pt = self.porttrust
        env = dict(os.environ)
        env.update({
            "ROOT_PATH": str(self.home), "LOG_PATH": str(self.logs),
            "CONFIG_PATH": str(self.home / "etc"), "JASMIN_LOCK_DIR": str(self.home / "locks"),
            "PORTTRUST_IDENTITY_URL": pt.identity_url, "PORTTRUST_REGISTRY_URL": pt.registry_url,
            "PORTTRUST_WHITELIST_URL": pt.whitelist_url, "PORTTRUST_CLIENT_ID": pt.client_id,
            "PORTTRUST_CLIENT_SECRET": pt.client_secret,
            "PORTTRUST_TIMEOUT_SECONDS": str(pt.timeout_seconds),
            "PORTTRUST_FAIL_POLICY": pt.fail_policy, "PORTTRUST_MULTIPART": pt.multipart,
            "PORTTRUST_WHITELIST_REFRESH_SECONDS": str(pt.whitelist_refresh_seconds),
            "PORTTRUST_WHITELIST_FILE": str(self.home / "whitelist-copy.json"),
        })
        return env

    def prepare(self) -> None:
        for folder in ("etc", "logs", "store", "locks"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        (self.home / "etc" / "jasmin.cfg").write_text(self.config_text())
        (self.home / "etc" / "interceptor.cfg").write_text(self.config_text())
        rabbitmqctl("add_vhost", self.vhost)
        rabbitmqctl("set_permissions", "-p", self.vhost, self.amqp[2], ".*", ".*", ".*")

    def start(self, timeout: float = 30) -> None:
        self.prepare()
        cfg = str(self.home / "etc")
        self._spawn("interceptor", ["interceptord", "-c", cfg + "/interceptor.cfg"])
        wait_port(self.ports["interceptor"], timeout)
        self._spawn("jasmin", ["jasmind", "-c", cfg + "/jasmin.cfg", "--enable-interceptor-client",
                               "--enable-dlr-thrower", "--enable-dlr-lookup",
                               "--enable-deliver-thrower"])
        wait_port(self.ports["jcli"], timeout)
        self.provision()

    def provision(self) -> None:
        user, password = self.customer
        with JCli("127.0.0.1", self.ports["jcli"]) as cli:
            cli.add("group", {"gid": "customers"})
            cli.add("user", {"username": user, "password": password, "gid": "customers",
                             "uid": user})
            cli.add("smppccm", {"cid": "upstream", "host": self.upstream.host,
                                "port": self.upstream.port, "username": self.upstream.system_id,
                                "password": self.upstream.password, "bind": "transceiver",
                                "submit_throughput": 0, "con_fail_delay": 1, "loglevel": 30,
                                "logprivacy": "yes",
                                "con_loss_delay": 1})
            cli.run("smppccm -1 upstream")
            cli.add("mtrouter", {"type": "DefaultRoute", "connector": "smppc(upstream)",
                                 "rate": "0.00"})
            cli.add("morouter", {"type": "DefaultRoute", "connector": f"smpps({user})"})
            if self.intercept:
                for kind in ("mt", "mo"):
                    cli.add(f"{kind}interceptor", {
                        "type": "DefaultInterceptor",
                        "script": f"python3({SCRIPTS / (kind + '_interceptor.py')})"})

    def _spawn(self, name: str, argv: list[str]) -> None:
        with open(self.logs / f"{name}.out", "ab") as log:  # the child keeps its own copy
            process = subprocess.Popen([str(self.python), "-c", LAUNCHER, *argv],
                                       env=self.environment(), stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.children.append(process)
        pids = self._pids()
        pids[name] = process.pid
        (self.home / "pids.json").write_text(json.dumps(pids))

    def _pids(self) -> dict[str, int]:
        path = self.home / "pids.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def stop(self, timeout: float = 10) -> None:
        """Stop both daemons, then drop this gateway's vhost (its queues) and lock files."""
        for pid in reversed(list(self._pids().values())):
            _terminate(pid, timeout)
        for child in self.children:  # started by this process: reap them
            child.wait(timeout)
        self.children.clear()
        (self.home / "pids.json").unlink(missing_ok=True)
        for lock in (self.home / "locks").glob("*"):
            lock.unlink(missing_ok=True)
        rabbitmqctl("delete_vhost", self.vhost, check=False)

    def describe(self) -> dict[str, object]:
        return {"home": str(self.home), "ports": self.ports, "vhost": self.vhost,
                "upstream": asdict(self.upstream), "customer": self.customer[0]}


def rabbitmqctl(*args: str, check: bool = True) -> None:
    result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                            timeout=60)
    if check and result.returncode != 0 and "already exists" not in result.stderr:
        raise RuntimeError(f"rabbitmqctl {args[0]} failed: {result.stderr.strip()}")


def _terminate(pid: int, timeout: float) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def wait_port(port: int, timeout: float = 20) -> None:
    """Until something accepts connections on 127.0.0.1:`port` (TimeoutError after `timeout`)."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


if __name__ == "__main__":  # pragma: no cover - see bin/ for the operator commands
    sys.exit("use integrations/jasmin/bin/jasmin-up and jasmin-down")
