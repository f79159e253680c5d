"""identity under a sign-in flood, as a real process with production argon2 parameters.

Its own identity process (not the shared stack): the floods brake names and addresses for
minutes, which must not reach the other tests' admin. Clients are told apart by
X-Forwarded-For, which uvicorn trusts from 127.0.0.1 (FORWARDED_ALLOW_IPS).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from porttrust_dev.stack import Stack
from tests.conftest import PrivateStack

pytestmark = pytest.mark.e2e
ADMIN_PASSWORD = "flood-" + uuid.uuid4().hex
NAME_LIMIT = 10  # IDENTITY_LOGIN_NAME_MAX_FAILURES's default


@pytest.fixture(scope="module")
async def identity(private_stack: PrivateStack) -> AsyncIterator[Stack]:
    async with private_stack("e2e_flood", admin_password=ADMIN_PASSWORD,
                             services=["identity"]) as running:
        yield running


def sign_in(stack: Stack, username: str, password: str, address: str) -> httpx.Response:
    return httpx.post(stack.url("identity") + "/v1/token", timeout=30,
                      data={"grant_type": "password", "username": username,
                            "password": password},
                      headers={"X-Forwarded-For": address})


def new_auditor(stack: Stack) -> tuple[str, str]:
    """A user created by the admin (signed in from 192.0.2.1); its name and password."""
    token = sign_in(stack, "admin", ADMIN_PASSWORD, "192.0.2.1").json()["access_token"]
    username, password = "u" + uuid.uuid4().hex[:10], "pw-" + uuid.uuid4().hex
    created = httpx.post(stack.url("identity") + "/v1/users", timeout=30,
                         json={"username": username, "password": password,
                               "roles": ["auditor"], "province": "HQ"},
                         headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.text
    return username, password


def in_threads(count: int, seconds: float, work: Callable[[int], None],
               until: Callable[[], bool] = lambda: False) -> None:
    """`work(n)` over and over in `count` threads for `seconds` (or until `until()`)."""
    deadline = time.monotonic() + seconds

    def loop(n: int) -> None:
        while time.monotonic() < deadline and not until():
            work(n)

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def jwks_seconds(stack: Stack) -> float:
    started = time.perf_counter()
    assert httpx.get(stack.url("identity") + "/.well-known/jwks.json",
                     timeout=30).status_code == 200
    return time.perf_counter() - started


def test_jwks_stays_fast_while_passwords_are_being_hashed(identity: Stack) -> None:
    idle = statistics.median(jwks_seconds(identity) for _ in range(20))
    timings: list[float] = []
    statuses: list[int] = []

    def attack(n: int) -> None:
        address = f"198.51.{n}.{uuid.uuid4().int % 250}"
        statuses.append(sign_in(identity, uuid.uuid4().hex[:12], "guess", address).status_code)

    def probe(_: int) -> None:
        timings.append(jwks_seconds(identity))
        time.sleep(0.05)

    prober = threading.Thread(target=in_threads, args=(1, 8, probe))
    prober.start()
    in_threads(8, 8, attack)
    prober.join()
    median, worst = statistics.median(timings), max(timings)
    print(f"JWKS idle median {idle * 1000:.1f} ms; under {len(statuses)} sign-ins "
          f"({statuses.count(429)} braked): median {median * 1000:.1f} ms, "
          f"max {worst * 1000:.1f} ms")
    assert statuses.count(401) > 0  # passwords were really being hashed meanwhile
    # Loose: other processes share the machine. Unbounded hashing made it 1.6 s (from 6 ms).
    assert median < max(0.5, 5 * idle)
    assert worst < max(3.0, 15 * idle)


def test_the_admin_signs_in_from_another_address_while_one_address_hammers_admin(
        identity: Stack) -> None:
    for _ in range(30):
        sign_in(identity, "admin", "guess", "198.51.100.77")
    assert sign_in(identity, "admin", ADMIN_PASSWORD, "198.51.100.77").status_code == 429
    assert sign_in(identity, "admin", ADMIN_PASSWORD, "203.0.113.9").status_code == 200


def test_a_user_signs_in_from_the_usual_place_while_many_addresses_hammer_the_name(
        identity: Stack) -> None:
    username, password = new_auditor(identity)
    assert sign_in(identity, username, password, "192.0.2.10").status_code == 200

    failures: list[int] = []

    def attack(n: int) -> None:
        if len(failures) < 3 * NAME_LIMIT:
            address = f"198.51.{n}.{uuid.uuid4().int % 250}"
            if sign_in(identity, username, "guess", address).status_code == 401:
                failures.append(n)

    in_threads(8, 60, attack, until=lambda: len(failures) >= 3 * NAME_LIMIT)
    assert sign_in(identity, username, password, "203.0.113.5").status_code == 429
    assert sign_in(identity, username, password, "192.0.2.10").status_code == 200
