"""End-to-end fixture: the four services as real processes on free ports.

SQLite files in a temporary var dir by default; with PORTTRUST_TEST_POSTGRES_URL set, a fresh
PostgreSQL database per service. When a test using the stack fails, the tail of every
service log is attached to its report; when the stack stops, its logs are searched for
unmasked ID numbers and mobile numbers (an error at teardown if any is found).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from porttrust_dev.stack import SERVICES, Stack
from porttrust_shared.db import create_engine
from porttrust_shared.validators import check_id_number

# `bench` and helper modules here (`tests.<module>`) are not installed: make them importable
# when pytest runs as `.venv/bin/pytest` (`python -m pytest` has the cwd on sys.path already).
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

POSTGRES_ENV = "PORTTRUST_TEST_POSTGRES_URL"
ADMIN_PASSWORD = "e2e-" + secrets.token_urlsafe(16)
LOG_TAIL_LINES = 40


def free_ports(count: int) -> list[int]:
    """Ports the OS hands out as free; all held open together so they are distinct."""
    held = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        held.append(sock)
    ports = [sock.getsockname()[1] for sock in held]
    for sock in held:
        sock.close()
    return ports


ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def unmasked_pii(var_dir: Path) -> list[str]:
    """Where a service log holds a real-looking ID number or mobile number (R8: logs carry
    PII masked only). Says file, line and kind, never the value."""
    found = []
    for name in SERVICES:
        path = var_dir / f"{name}.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        for number, line in enumerate(lines, 1):
            ids = [m for m in ID_NUMBER_RE.findall(line) if _is_id_number(m)]
            if ids or MOBILE_RE.search(line):
                found.append(f"{name}.log:{number}: {'ID number' if ids else 'mobile number'}")
    return found


def _is_id_number(candidate: str) -> bool:
    try:
        check_id_number(candidate)
    except ValueError:
        return False
    return True


def log_tails(var_dir: Path, lines: int = LOG_TAIL_LINES) -> str:
    parts = []
    for name in SERVICES:
        path = var_dir / f"{name}.log"
        body = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
        parts.append(f"----- {name}.log (last {lines} lines) -----\n" + "\n".join(body))
    return "\n".join(parts)


async def _postgres_databases(admin_url: str, names: dict[str, str], *, drop_only: bool) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        async with engine.connect() as conn:
            for database in names.values():
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                if not drop_only:
                    await conn.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        await engine.dispose()


DatabaseMaker = Callable[[str], Awaitable[dict[str, str]]]


@pytest.fixture(scope="session")
async def fresh_databases() -> AsyncIterator[DatabaseMaker]:
    """await fresh_databases("pt_e2e") → {service: URL of a new empty PostgreSQL database};
    all dropped at the end of the session. Only with PORTTRUST_TEST_POSTGRES_URL set."""
    admin, made = os.environ.get(POSTGRES_ENV), []

    async def make(prefix: str) -> dict[str, str]:
        assert admin, f"{POSTGRES_ENV} is not set"
        names = {svc: f"{prefix}_{svc}_{os.getpid()}" for svc in SERVICES}
        try:
            await _postgres_databases(admin, names, drop_only=False)
        except Exception as exc:
            pytest.fail(f"PostgreSQL selected by {POSTGRES_ENV} but unreachable: {exc!r}",
                        pytrace=False)
        made.append(names)
        base = make_url(admin)
        return {svc: base.set(database=db).render_as_string(hide_password=False)
                for svc, db in names.items()}

    yield make
    for names in made:
        await _postgres_databases(str(admin), names, drop_only=True)


@pytest.fixture(scope="session")
async def e2e_database_urls(fresh_databases: DatabaseMaker) -> dict[str, str]:
    """{} on SQLite (each service makes its file in var_dir); fresh databases on PostgreSQL."""
    return await fresh_databases("pt_e2e") if os.environ.get(POSTGRES_ENV) else {}


@pytest.fixture(scope="session")
def service_ports() -> Callable[[], dict[str, int]]:
    """service_ports() → a free loopback port for each service."""
    return lambda: dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, e2e_database_urls: dict[str, str],
          service_ports: Callable[[], dict[str, int]]) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("e2e-var")
    running = Stack(var_dir=var_dir, ports=service_ports(), database_urls=e2e_database_urls,
                    admin_password=ADMIN_PASSWORD)
    try:
        try:
            running.start_all()
        except Exception as exc:
            pytest.fail(f"the stack did not start: {exc}\n{log_tails(var_dir)}", pytrace=False)
        yield running
    finally:
        running.stop_all()
    leaks = unmasked_pii(var_dir)
    assert not leaks, "unmasked personal data in service logs:\n" + "\n".join(leaks)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None],
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # The outcome per phase on the item, for fixtures that keep artefacts of a failed test.
    setattr(item, f"rep_{report.when}", report)
    running = getattr(item, "funcargs", {}).get("stack")
    if report.failed and isinstance(running, Stack):
        report.sections.append(("service logs", log_tails(running.var_dir)))
    return report


def password_token(stack: Stack, audience: str | None = None) -> str:
    form = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    if audience:
        form["audience"] = audience
    response = httpx.post(stack.url("identity") + "/v1/token", data=form, timeout=10)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="session")
def admin_token(stack: Stack) -> str:
    """The bootstrap admin's token, for every service (identity's default audience). It is
    issued when first asked for and lives 15 minutes: ample for the end-to-end tests."""
    return password_token(stack)


@pytest.fixture(scope="session")
def token_for(stack: Stack) -> Callable[[str], str]:
    """token_for("registry") → the admin's token whose aud names only that service."""
    return lambda audience: password_token(stack, audience)
