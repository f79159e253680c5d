"""POST /v1/clients and /v1/users: hq_admin only; a client secret is shown once."""

import pytest
from sqlalchemy import select

from identity.models import AuditEvent, Client, User

PROBLEM = "application/problem+json"
CLIENT = {"name": "Guangdong provincial system", "roles": ["province_operator"],
          "province": "44"}
USER = {"username": "li.hq", "password": "a long enough password", "roles": ["auditor"],
        "province": "HQ"}


async def test_hq_admin_creates_a_client_and_sees_its_secret(client, headers):
    response = await client.post("/v1/clients", json=CLIENT, headers=headers("hq_admin"))
    assert response.status_code == 201
    body = response.json()
    assert len(body["client_secret"]) >= 32
    assert body["roles"] == ["province_operator"]
    assert body["province"] == "44"
    assert response.headers["cache-control"] == "no-store"


async def test_the_new_client_can_get_a_token(client, headers):
    body = (await client.post("/v1/clients", json=CLIENT, headers=headers("hq_admin"))).json()
    response = await client.post("/v1/token", data={
        "grant_type": "client_credentials", "client_id": body["client_id"],
        "client_secret": body["client_secret"]})
    assert response.status_code == 200


async def test_the_secret_is_stored_only_as_a_hash(client, headers, db_session):
    body = (await client.post("/v1/clients", json=CLIENT, headers=headers("hq_admin"))).json()
    row = await db_session.scalar(select(Client).where(Client.client_id == body["client_id"]))
    assert body["client_secret"] not in row.secret_hash
    assert row.secret_hash.startswith("$argon2")


async def test_an_idempotent_replay_does_not_show_the_secret_again(client, headers):
    auth = headers("hq_admin", sub="admin-1") | {"Idempotency-Key": "create-gd-1"}
    first = await client.post("/v1/clients", json=CLIENT, headers=auth)
    replay = await client.post("/v1/clients", json=CLIENT, headers=auth)
    assert replay.status_code == 201
    assert replay.json()["client_id"] == first.json()["client_id"]
    assert "client_secret" not in replay.json()
    assert first.json()["client_secret"] not in replay.text


async def test_an_idempotent_replay_creates_no_second_client(client, headers, db_session):
    auth = headers("hq_admin", sub="admin-1") | {"Idempotency-Key": "create-gd-2"}
    await client.post("/v1/clients", json=CLIENT, headers=auth)
    await client.post("/v1/clients", json=CLIENT, headers=auth)
    rows = (await db_session.scalars(select(Client).where(Client.name == CLIENT["name"]))).all()
    assert len(rows) == 1


async def test_a_chosen_client_id_is_kept_and_a_duplicate_is_409(client, headers):
    body = CLIENT | {"client_id": "gd-system"}
    first = await client.post("/v1/clients", json=body, headers=headers("hq_admin"))
    second = await client.post("/v1/clients", json=body, headers=headers("hq_admin"))
    assert first.json()["client_id"] == "gd-system"
    assert second.status_code == 409
    assert second.headers["content-type"] == PROBLEM


async def test_creating_a_client_is_audited(client, headers, db_session):
    await client.post("/v1/clients", json=CLIENT, headers=headers("hq_admin", sub="admin-9"))
    entry = await db_session.scalar(select(AuditEvent).where(AuditEvent.actor == "admin-9"))
    assert entry.action == "client.created"
    assert "secret" not in str(entry.data)


@pytest.mark.parametrize("path", ["/v1/clients", "/v1/users"])
@pytest.mark.parametrize("role", ["province_operator", "auditor", "whitelist_admin", "service"])
async def test_other_roles_are_403(client, headers, path, role):
    body = CLIENT if path == "/v1/clients" else USER
    response = await client.post(path, json=body, headers=headers(role))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("path", ["/v1/clients", "/v1/users"])
async def test_without_a_token_it_is_401(client, path):
    response = await client.post(path, json=CLIENT)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("change", [{"roles": ["root"]}, {"roles": []}, {"province": "99"},
                                    {"client_id": "UPPER case"}, {"extra": 1}])
async def test_bad_client_input_is_422(client, headers, change):
    response = await client.post("/v1/clients", json=CLIENT | change,
                                 headers=headers("hq_admin"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


async def test_hq_admin_creates_a_user_who_can_sign_in(client, headers):
    response = await client.post("/v1/users", json=USER, headers=headers("hq_admin"))
    assert response.status_code == 201
    assert response.json()["username"] == "li.hq"
    token = await client.post("/v1/token", data={
        "grant_type": "password", "username": "li.hq", "password": USER["password"]})
    assert token.status_code == 200


async def test_the_user_response_never_holds_the_password(client, headers, db_session):
    response = await client.post("/v1/users", json=USER, headers=headers("hq_admin"))
    assert USER["password"] not in response.text
    assert "password" not in response.json()
    row = await db_session.scalar(select(User).where(User.username == "li.hq"))
    assert row.password_hash.startswith("$argon2")


async def test_a_short_password_is_422_without_echo(client, headers):
    response = await client.post("/v1/users", json=USER | {"password": "tiny-pw"},
                                 headers=headers("hq_admin"))
    assert response.status_code == 422
    assert "tiny-pw" not in response.text


async def test_a_duplicate_username_is_409(client, headers):
    await client.post("/v1/users", json=USER, headers=headers("hq_admin"))
    response = await client.post("/v1/users", json=USER, headers=headers("hq_admin"))
    assert response.status_code == 409


async def test_a_province_user_carries_the_province_claim(client, headers):
    from jose import jwt

    body = USER | {"username": "gd.operator", "roles": ["province_operator"], "province": "44"}
    await client.post("/v1/users", json=body, headers=headers("hq_admin"))
    token = await client.post("/v1/token", data={
        "grant_type": "password", "username": "gd.operator", "password": USER["password"]})
    assert jwt.get_unverified_claims(token.json()["access_token"])["province"] == "44"


@pytest.mark.parametrize("path", ["/v1/clients", "/v1/users"])
async def test_a_province_operator_without_a_province_is_422(client, headers, path):
    body = (CLIENT if path == "/v1/clients" else USER) | {"roles": ["province_operator"],
                                                          "province": "HQ"}
    response = await client.post(path, json=body, headers=headers("hq_admin"))
    assert response.status_code == 422
