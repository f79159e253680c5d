"""POST /v1/token under a flood: braked per address and per name, never the usual place."""

import uuid

import httpx
import pytest

from identity.service.throttle import SignInGuard, SignInPolicy

PROBLEM = "application/problem+json"


@pytest.fixture
async def client_at(app, db_session):
    """client_at("198.51.100.7") → an HTTP client whose requests come from that address."""
    opened = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False,
                                        client=(address, 40000))
        opened.append(httpx.AsyncClient(transport=transport, base_url="http://test"))
        return opened[-1]

    yield make
    for http in opened:
        await http.aclose()


def password_form(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


async def test_many_random_usernames_from_one_address_are_throttled(client_at, settings):
    attacker = client_at("198.51.100.7")
    for _ in range(settings.login_address_max_failures):
        response = await attacker.post("/v1/token", data=password_form(
            "u" + uuid.uuid4().hex[:10], "wrong-password"))
        assert response.status_code == 401
    braked = await attacker.post("/v1/token", data=password_form("someone-new", "x" * 12))
    assert braked.status_code == 429
    assert braked.headers["content-type"] == PROBLEM
    assert int(braked.headers["retry-after"]) > 0


async def test_another_address_is_not_braked_by_that_flood(client_at, settings, new_user,
                                                          password):
    attacker, user = client_at("198.51.100.7"), await new_user()
    for _ in range(settings.login_address_max_failures + 5):
        await attacker.post("/v1/token", data=password_form(uuid.uuid4().hex[:10], "nope"))
    response = await client_at("192.0.2.10").post("/v1/token",
                                                  data=password_form(user, password))
    assert response.status_code == 200


async def test_the_user_signs_in_from_the_usual_place_while_the_name_is_hammered(
        client_at, settings, new_user, password):
    user, home = await new_user(), client_at("192.0.2.10")
    assert (await home.post("/v1/token", data=password_form(user, password))).status_code == 200
    for n in range(3 * settings.login_name_max_failures):
        await client_at(f"198.51.100.{n}").post("/v1/token", data=password_form(user, "guess"))
    elsewhere = await client_at("203.0.113.5").post("/v1/token",
                                                    data=password_form(user, password))
    assert elsewhere.status_code == 429
    assert (await home.post("/v1/token", data=password_form(user, password))).status_code == 200


async def test_a_sign_in_beyond_the_hash_slots_is_429_busy(app, client_at, new_user, password):
    guard = app.state.throttle = SignInGuard(SignInPolicy(max_hashes=1, hash_wait=0.05))
    user = await new_user()
    async with guard.hashing():
        response = await client_at("192.0.2.10").post("/v1/token",
                                                      data=password_form(user, password))
    assert response.status_code == 429
    assert response.json()["error"] == "temporarily_unavailable"
    assert response.headers["retry-after"] == "1"


async def test_the_usual_place_still_signs_in_while_every_other_hash_slot_is_busy(
        app, client_at, new_user, password):
    guard = app.state.throttle = SignInGuard(SignInPolicy(max_hashes=1, hash_wait=0.05))
    user, home = await new_user(), client_at("192.0.2.10")
    assert (await home.post("/v1/token", data=password_form(user, password))).status_code == 200
    async with guard.hashing():
        elsewhere = await client_at("203.0.113.5").post("/v1/token",
                                                        data=password_form(user, password))
        again = await home.post("/v1/token", data=password_form(user, password))
    assert (elsewhere.status_code, again.status_code) == (429, 200)
