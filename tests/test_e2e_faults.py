"""Faults on purpose, with real processes: the database restarted under load, a service killed
in the middle of an import, SIGTERM with requests in flight, identity down.

The four services run on a PostgreSQL server of this module's own (tests/private_postgres.py),
so it can be restarted without touching the machine's shared one. Without the PostgreSQL
binaries the module skips, except in CI (CI=true or PORTTRUST_REQUIRE_FAULTS=1) where that is
a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from porttrust_dev.databases import create_databases
from porttrust_dev.stack import SERVICES, Stack, free_ports
from tests.conftest import ADMIN_PASSWORD, PrivateStack
from tests.helpers_flows import Api, Parties, eventually, password_token, register_parties
from tests.private_postgres import PrivatePostgres, binary

# It brings its own PostgreSQL: once per CI run (the SQLite pass) is enough.
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    bool(os.environ.get("PORTTRUST_TEST_POSTGRES_URL")),
    reason="runs in the SQLite pass; it starts a PostgreSQL server of its own")]
JOB_ROWS = 3000  # above the job threshold: a background job that commits every chunk
INLINE_ROWS = 1900  # below it: answered in the request


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    if binary("initdb") is None or binary("pg_ctl") is None:
        if os.environ.get("CI") == "true" or os.environ.get("PORTTRUST_REQUIRE_FAULTS") == "1":
            pytest.fail("initdb/pg_ctl not found: the fault tests must run in CI", pytrace=False)
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="porttrust-pg-")), free_ports(1)[0])
    try:
        server.init()
        server.start()
        yield server
        server.stop()
    finally:
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="module")
async def faults(postgres: PrivatePostgres, private_stack: PrivateStack) -> AsyncIterator[Stack]:
    urls = await create_databases(postgres.admin_url, [f"pt_faults_{svc}" for svc in SERVICES])
    async with private_stack("faults", database_urls=dict(zip(SERVICES, urls, strict=True)),
                             # A job commits every 100 rows: a kill lands between commits.
                             extra_env={"REGISTRY_IMPORT_CHUNK_SIZE": "100",
                                        "REGISTRY_IMPORT_JOB_THRESHOLD": "2000"}) as running:
        yield running


@pytest.fixture(scope="module")
def admin(faults: Stack) -> Api:
    return Api(faults, password_token(faults, "admin", ADMIN_PASSWORD))


def _hammer(stack: Stack, token: str, stop: threading.Event, seen: Counter[int]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            for name, path in (("registry", "/v1/organizations"), ("credit", "/v1/blacklist"),
                               ("whitelist", "/v1/entries"), ("registry", "/readyz")):
                try:
                    seen[client.get(stack.url(name) + path, headers=headers).status_code] += 1
                except httpx.HTTPError:
                    seen[0] += 1
            time.sleep(0.05)


def test_database_restart_under_load_is_503_then_recovers_by_itself(
        faults: Stack, postgres: PrivatePostgres, admin: Api) -> None:
    seen: Counter[int] = Counter()
    stop = threading.Event()
    worker = threading.Thread(target=_hammer, args=(faults, admin.token, stop, seen))
    worker.start()
    try:
        time.sleep(1)
        postgres.stop()
        eventually(lambda: seen[503] > 0, timeout=15)
        for name in SERVICES:  # readiness reflects the database
            assert httpx.get(faults.url(name) + "/readyz", timeout=10).status_code == 503
        postgres.start()
        for name in SERVICES:
            eventually(lambda n=name: httpx.get(faults.url(n) + "/readyz",
                                                timeout=10).status_code == 200, timeout=30)
        before = seen[200]
        eventually(lambda: seen[200] > before + 8, timeout=30)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert seen[500] == 0, seen
    assert seen[0] == 0, seen  # the services stayed up: every request was answered
    for name in SERVICES:  # no process needed a restart
        assert faults.processes[name].poll() is None


def _rows(parties: Parties, count: int) -> bytes:
    lines = ["number,province,user_unit_uscc,handler_id,business_type,purpose,machine_room,"
             "equipment"]
    lines += [f"{parties.port}{i:05d},{parties.province},{parties.user_unit},"
              f"{parties.handler_id},notification,shipping notices,Guangzhou A3,SMSC-07"
              for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


def _import(stack: Stack, token: str, body: bytes | Iterator[bytes]) -> httpx.Response:
    return httpx.post(stack.url("registry") + "/v1/sub-ports/import", content=body, timeout=300,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})


def _get(stack: Stack, token: str, path: str, **params: str) -> httpx.Response:
    return httpx.get(stack.url("registry") + path, params=params, timeout=30,
                     headers={"Authorization": f"Bearer {token}"})


def _imported(stack: Stack, token: str, prefix: str) -> list[str]:
    numbers, cursor = [], None
    while True:
        page = _get(stack, token, "/v1/sub-ports", limit="500",
                    **({"cursor": cursor} if cursor else {})).json()
        numbers += [item["number"] for item in page["items"]
                    if item["number"].startswith(prefix) and len(item["number"]) > 10]
        cursor = page.get("next_cursor")
        if not cursor:
            return numbers


def _job_done(stack: Stack, token: str, job_id: str) -> bool:
    return bool(_get(stack, token, f"/v1/sub-ports/import/{job_id}").json()["status"] == "done")


def test_registry_killed_mid_import_and_the_rerun_leaves_no_duplicates(
        faults: Stack, admin: Api) -> None:
    parties = register_parties(admin, 951, province="44")
    body = _rows(parties, JOB_ROWS)
    started = _import(faults, admin.token, body)
    assert started.status_code == 202, started.text
    job = f"/v1/sub-ports/import/{started.json()['job_id']}"
    eventually(lambda: _get(faults, admin.token, job).json()["processed"] > 0, timeout=60)
    faults.processes["registry"].send_signal(signal.SIGKILL)
    faults.processes["registry"].wait()
    faults.processes.pop("registry")
    faults.start("registry")
    faults.wait_ready("registry", timeout=60)
    partial = len(_imported(faults, admin.token, parties.port))
    rerun = _import(faults, admin.token, body)
    assert rerun.status_code == 202, rerun.text
    assert eventually(lambda: _job_done(faults, admin.token, rerun.json()["job_id"]),
                      timeout=120)
    numbers = _imported(faults, admin.token, parties.port)
    assert len(numbers) == JOB_ROWS == len(set(numbers))
    assert 0 < partial < JOB_ROWS  # the kill really landed in the middle


def test_sigterm_lets_a_request_in_flight_finish(faults: Stack, admin: Api) -> None:
    parties = register_parties(admin, 952, province="44")
    body = _rows(parties, INLINE_ROWS)
    answered: list[tuple[float, httpx.Response]] = []
    sending = threading.Event()

    def slowly() -> Iterator[bytes]:
        """The body's first half, a pause, the rest: the request is still in flight when
        SIGTERM comes, however fast the import itself is."""
        yield body[:len(body) // 2]
        sending.set()
        time.sleep(1.0)
        yield body[len(body) // 2:]

    thread = threading.Thread(target=lambda: _answer(answered, faults, admin.token, slowly()))
    thread.start()
    assert sending.wait(30)
    sigterm_at = time.monotonic()
    faults.stop("registry")  # SIGTERM, then waits for the process to end
    thread.join(timeout=120)
    faults.start("registry")
    faults.wait_ready("registry", timeout=60)
    assert answered, "the request in flight got no answer"
    answered_at, response = answered[0]
    assert answered_at > sigterm_at  # it was still in flight when SIGTERM came
    assert response.status_code == 200, response.text
    assert len(_imported(faults, admin.token, parties.port)) == INLINE_ROWS


def _answer(into: list[tuple[float, httpx.Response]], stack: Stack, token: str,
            body: bytes | Iterator[bytes]) -> None:
    response = _import(stack, token, body)
    into.append((time.monotonic(), response))


PROTECTED = (("registry", "/v1/organizations"), ("credit", "/v1/blacklist"),
             ("whitelist", "/v1/entries"))


def test_identity_down_tokens_already_issued_keep_working(faults: Stack, admin: Api) -> None:
    for name, path in PROTECTED:  # each service has verified a token with identity's keys
        response = httpx.get(faults.url(name) + path, timeout=10,
                             headers={"Authorization": f"Bearer {admin.token}"})
        assert response.status_code == 200, (name, response.text)
    faults.stop("identity")
    try:
        for name, path in PROTECTED:
            response = httpx.get(faults.url(name) + path, timeout=10,
                                 headers={"Authorization": f"Bearer {admin.token}"})
            assert response.status_code == 200, (name, response.text)
    finally:
        faults.start("identity")
        faults.wait_ready("identity", timeout=60)
