"""docker-compose.yml's own commands and environment, run without Docker: each service is
migrated by its one-shot step, then served with `serve --no-migrate` in prod mode on
PostgreSQL, and declared healthy by its own health check command.

Only the addresses are rewritten (container names → loopback on free ports, the `postgres`
host → the test server) and the ${SECRETS} filled with generated values.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from porttrust_dev.stack import SERVICES, service_ports, start_in_order

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]  # prod settings refuse SQLite

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_PORTS = {"identity": 8000, "registry": 8001, "credit": 8002, "whitelist": 8003}
ADMIN_PASSWORD = "compose-" + secrets.token_urlsafe(12)


def filled_secrets() -> dict[str, str]:
    return {
        "POSTGRES_PASSWORD": "unused", "PORTTRUST_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PORTTRUST_PII_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "PORTTRUST_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        **{f"{s.upper()}_CLIENT_SECRET": secrets.token_urlsafe(32) for s in SERVICES[1:]},
    }


class ComposeOnLoopback:
    def __init__(self, database_urls: dict[str, str], ports: dict[str, int],
                 log_dir: Path) -> None:
        self.spec: dict[str, Any] = yaml.safe_load(
            (ROOT / "docker-compose.yml").read_text())["services"]
        self.ports = ports
        self.database_urls, self.log_dir = database_urls, log_dir
        self.secrets = filled_secrets()
        self.processes: list[subprocess.Popen[bytes]] = []

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def localise(self, text: str) -> str:
        text = re.sub(r"\$\{(\w+)[^}]*\}", lambda m: self.secrets[m.group(1)], text)
        for name, port in COMPOSE_PORTS.items():
            text = re.sub(rf"http://({name}|127\.0\.0\.1|localhost):{port}\b",
                          self.url(name), text)
        return text

    def env(self, service: str) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items()
                     if not k.startswith(tuple(s.upper() + "_" for s in SERVICES))}
        own = {k: self.localise(str(v)) for k, v in self.spec[service]["environment"].items()}
        prefix = service.upper() + "_"
        own[prefix + "PORT"] = str(self.ports[service])
        own[prefix + "DATABASE_URL"] = self.database_urls[service]
        return {**inherited, **own}

    def command(self, name: str) -> list[str]:
        argv: list[str] = self.spec[name]["command"]
        assert argv[0] == "python"
        return [sys.executable, *argv[1:]]

    def migrate(self, service: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(self.command(f"{service}-migrate"), env=self.env(service),
                              capture_output=True, timeout=120, check=False)

    def serve(self, service: str) -> None:
        with (self.log_dir / f"{service}.log").open("ab") as log:
            self.processes.append(subprocess.Popen(self.command(service), env=self.env(service),
                                                   stdout=log, stderr=log))

    def healthy(self, service: str) -> bool:
        test = [self.localise(part) for part in self.spec[service]["healthcheck"]["test"]]
        assert test[:2] == ["CMD", "python"]
        probe = subprocess.run([sys.executable, *test[2:]], capture_output=True, check=False)
        return probe.returncode == 0

    def wait_healthy(self, service: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy(service):
                return
            time.sleep(0.3)
        log = (self.log_dir / f"{service}.log").read_text(errors="replace")[-3000:]
        pytest.fail(f"{service} never passed its compose health check\n{log}", pytrace=False)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
async def compose_databases(fresh_databases: Callable[[str], Awaitable[dict[str, str]]],
                            ) -> dict[str, str]:
    return await fresh_databases("pt_compose")


@pytest.fixture(scope="module")
def compose(compose_databases: dict[str, str],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeOnLoopback]:
    stack = ComposeOnLoopback(compose_databases, service_ports(),
                              tmp_path_factory.mktemp("compose"))
    try:
        # compose's order: all migrations (independent), identity, then the verifiers.
        with ThreadPoolExecutor(len(SERVICES)) as pool:
            migrations = list(pool.map(stack.migrate, SERVICES))
        for migrated in migrations:
            assert migrated.returncode == 0, migrated.stderr.decode(errors="replace")[-3000:]
        start_in_order(stack.serve, stack.wait_healthy)
        yield stack
    finally:
        stack.stop()


def admin_token(compose: ComposeOnLoopback) -> str:
    form = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    response = httpx.post(compose.url("identity") + "/v1/token", data=form, timeout=10)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_passes_its_health_check_in_prod(compose: ComposeOnLoopback,
                                                         service: str) -> None:
    assert compose.healthy(service)
    assert compose.env(service)[f"{service.upper()}_ENVIRONMENT"] == "prod"


def test_compose_migration_step_is_idempotent(compose: ComposeOnLoopback) -> None:
    assert compose.migrate("registry").returncode == 0


@pytest.mark.parametrize("service,path", [("registry", "/v1/organizations"),
                                          ("credit", "/v1/blacklist"),
                                          ("whitelist", "/v1/entries")])
def test_compose_admin_password_opens_every_service(compose: ComposeOnLoopback, service: str,
                                                    path: str) -> None:
    headers = {"Authorization": "Bearer " + admin_token(compose)}
    assert httpx.get(compose.url(service) + path, headers=headers, timeout=10).status_code == 200


def test_compose_registry_reaches_credit_with_its_bootstrapped_client(
        compose: ComposeOnLoopback) -> None:
    headers = {"Authorization": "Bearer " + admin_token(compose)}
    org = {"uscc": "91350100M000100Y43", "name": "Compose Co.", "province": "35",
           "roles": ["holder"]}
    port = {"number": "10620001", "holder_uscc": "91350100M000100Y43", "province": "35",
            "scope": "provincial"}
    registry = compose.url("registry")
    assert httpx.post(registry + "/v1/organizations", json=org, headers=headers,
                      timeout=10).status_code == 201
    response = httpx.post(registry + "/v1/ports", json=port, headers=headers, timeout=15)
    assert response.status_code == 201, response.text
