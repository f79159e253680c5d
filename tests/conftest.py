"""End-to-end fixture: the four services as real processes on free ports.

A fresh PostgreSQL database per service when the tests run on PostgreSQL
(PORTTRUST_TEST_POSTGRES_URL, set by porttrust_dev.testing when a server answers), else SQLite
files in a temporary var dir; `private_stack` makes stacks of a module's own, to stop and
restart. When a test using the stack fails, the tail of every service log is attached to its
report; when the shared stack stops, its logs are searched for unmasked ID numbers and mobile
numbers (an error at teardown if any is found).
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Generator,
    Iterator,
    Mapping,
)
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from porttrust_dev.databases import POSTGRES_ENV, create_databases, drop_databases
from porttrust_dev.stack import SERVICES, Stack, service_ports
from porttrust_shared.validators import check_id_number

if TYPE_CHECKING:
    from tests.helpers_flows import Api

# `bench` and helper modules here (`tests.<module>`) are not installed: make them importable
# when pytest runs as `.venv/bin/pytest` (`python -m pytest` has the cwd on sys.path already).
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

ADMIN_PASSWORD = "e2e-" + secrets.token_urlsafe(16)
LOG_TAIL_LINES = 40


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


DatabaseMaker = Callable[[str], Awaitable[dict[str, str]]]


@pytest.fixture(scope="session")
async def fresh_databases() -> AsyncIterator[DatabaseMaker]:
    """await fresh_databases("pt_e2e") → {service: URL of a new empty PostgreSQL database};
    all dropped at the end of the session. Only with PORTTRUST_TEST_POSTGRES_URL set."""
    admin, made = os.environ.get(POSTGRES_ENV), []

    async def make(prefix: str) -> dict[str, str]:
        assert admin, f"{POSTGRES_ENV} is not set"
        names = [f"{prefix}_{svc}_{os.getpid()}" for svc in SERVICES]
        try:
            urls = await create_databases(admin, names)
        except Exception as exc:
            pytest.fail(f"PostgreSQL selected by {POSTGRES_ENV} but unreachable: {exc!r}",
                        pytrace=False)
        made.extend(names)
        return dict(zip(SERVICES, urls, strict=True))

    yield make
    if made:
        await drop_databases(str(admin), made)


@pytest.fixture(scope="session")
async def e2e_database_urls(fresh_databases: DatabaseMaker) -> dict[str, str]:
    """{} on SQLite (each service makes its file in var_dir); fresh databases on PostgreSQL."""
    return await fresh_databases("pt_e2e") if os.environ.get(POSTGRES_ENV) else {}


@contextmanager
def started(running: Stack, services: Collection[str] = SERVICES) -> Iterator[Stack]:
    """`running` with `services` started (identity first), stopped after the block; a service
    that does not start fails the test with the tail of every log."""
    try:
        try:
            running.start_all(services)
        except Exception as exc:
            pytest.fail(f"the stack did not start: {exc}\n{log_tails(running.var_dir)}",
                        pytrace=False)
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory,
          e2e_database_urls: dict[str, str]) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("e2e-var")
    with started(Stack(var_dir=var_dir, ports=service_ports(), database_urls=e2e_database_urls,
                       admin_password=ADMIN_PASSWORD)) as running:
        yield running
    leaks = unmasked_pii(var_dir)
    assert not leaks, "unmasked personal data in service logs:\n" + "\n".join(leaks)


PrivateStack = Callable[..., AbstractAsyncContextManager[Stack]]


@pytest.fixture(scope="session")
def private_stack(tmp_path_factory: pytest.TempPathFactory,
                  fresh_databases: DatabaseMaker) -> PrivateStack:
    """`async with private_stack("outage") as stack:` the services as processes of a module's
    own (to stop, restart or break), never the shared `stack`: free ports, fresh databases
    named after the module's word when the tests run on PostgreSQL (or `database_urls`),
    `admin_password`, `extra_env`; `services` to start only some (identity first)."""

    @asynccontextmanager
    async def start(name: str, *, admin_password: str = ADMIN_PASSWORD,
                    database_urls: Mapping[str, str] | None = None,
                    extra_env: Mapping[str, str] | None = None,
                    services: Collection[str] = SERVICES) -> AsyncIterator[Stack]:
        if database_urls is None:
            on_postgres = bool(os.environ.get(POSTGRES_ENV))
            database_urls = await fresh_databases(f"pt_{name}") if on_postgres else {}
        running = Stack(var_dir=tmp_path_factory.mktemp(f"{name}-var"), ports=service_ports(),
                        database_urls=database_urls, admin_password=admin_password,
                        extra_env=extra_env or {})
        with started(running, services) as ready:
            yield ready

    return start


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


@pytest.fixture(scope="module")
def admin(stack: Stack) -> Api:
    """The bootstrap admin on the shared stack, with a token of the module's own (a token lives
    15 minutes). A module with a stack of its own defines its own `admin`."""
    from tests.helpers_flows import Api  # importable once ROOT is on sys.path (above)

    return Api(stack, password_token(stack))


@pytest.fixture(scope="session")
def token_for(stack: Stack) -> Callable[[str], str]:
    """token_for("registry") → the admin's token whose aud names only that service."""
    return lambda audience: password_token(stack, audience)
