"""POST /v1/token: client credentials for machines, password for people."""

import base64

import pytest
from jose import jwt

from porttrust_dev.testing import TEST_ISSUER

PROBLEM = "application/problem+json"


def _claims(response):
    return jwt.get_unverified_claims(response.json()["access_token"])


async def _client_token(client, created, **extra):
    return await client.post("/v1/token", data={
        "grant_type": "client_credentials", "client_id": created.client_id,
        "client_secret": created.client_secret, **extra})


async def test_client_credentials_grant_issues_a_bearer_token(client, new_client):
    response = await _client_token(client, await new_client())
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert response.json()["expires_in"] == 900
    assert response.headers["cache-control"] == "no-store"


async def test_client_token_carries_roles_province_and_issuer(client, new_client):
    created = await new_client(roles=("province_operator",), province="44")
    claims = _claims(await _client_token(client, created))
    assert claims["sub"] == created.client_id
    assert claims["roles"] == ["province_operator"]
    assert claims["province"] == "44"
    assert claims["iss"] == TEST_ISSUER
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]


async def test_token_header_is_es256_with_a_kid(client, new_client):
    token = (await _client_token(client, await new_client())).json()["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    assert header["kid"]


async def test_client_secret_may_come_in_http_basic(client, new_client):
    created = await new_client()
    basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
    response = await client.post("/v1/token", data={"grant_type": "client_credentials"},
                                 headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200


async def test_malformed_http_basic_is_401(client):
    response = await client.post("/v1/token", data={"grant_type": "client_credentials"},
                                 headers={"Authorization": "Basic !!!"})
    assert response.status_code == 401


async def test_password_grant_issues_a_token_for_the_person(client, new_user, password):
    username = await new_user(roles=("whitelist_admin",))
    response = await client.post("/v1/token", data={
        "grant_type": "password", "username": username, "password": password})
    assert response.status_code == 200
    assert _claims(response)["sub"] == f"user:{username}"
    assert _claims(response)["roles"] == ["whitelist_admin"]


async def test_wrong_secret_is_401_problem(client, new_client):
    created = await new_client()
    response = await client.post("/v1/token", data={
        "grant_type": "client_credentials", "client_id": created.client_id,
        "client_secret": "wrong"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["error"] == "invalid_client"
    assert "www-authenticate" in response.headers


async def test_unknown_client_is_the_same_401(client):
    response = await client.post("/v1/token", data={
        "grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_wrong_password_is_401_problem(client, new_user):
    username = await new_user()
    response = await client.post("/v1/token", data={
        "grant_type": "password", "username": username, "password": "not the password"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["error"] == "invalid_grant"


async def test_wrong_password_is_not_echoed(client, new_user):
    username = await new_user()
    response = await client.post("/v1/token", data={
        "grant_type": "password", "username": username, "password": "hunter2-secret"})
    assert "hunter2-secret" not in response.text


async def test_unknown_grant_type_is_400_problem(client):
    response = await client.post("/v1/token", data={"grant_type": "authorization_code"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["error"] == "unsupported_grant_type"


async def test_missing_grant_type_is_422_problem(client):
    response = await client.post("/v1/token", data={"client_id": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("form", [{"grant_type": "client_credentials", "client_id": "x"},
                                  {"grant_type": "password", "username": "x"}])
async def test_missing_credentials_are_400_invalid_request(client, form):
    response = await client.post("/v1/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_requested_audience_narrows_the_token(client, new_client):
    response = await _client_token(client, await new_client(), audience="registry credit")
    assert _claims(response)["aud"] == ["credit", "registry"]


async def test_without_audience_the_token_is_for_every_service(client, new_client):
    response = await _client_token(client, await new_client())
    assert _claims(response)["aud"] == ["credit", "identity", "registry", "whitelist"]


async def test_unknown_audience_is_400_problem(client, new_client):
    response = await _client_token(client, await new_client(), audience="registry payroll")
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["error"] == "invalid_target"


async def test_repeated_failures_lock_the_client_out_with_429(client, new_client, settings):
    created = await new_client()
    wrong = {"grant_type": "client_credentials", "client_id": created.client_id,
             "client_secret": "wrong"}
    for _ in range(settings.login_max_failures):
        assert (await client.post("/v1/token", data=wrong)).status_code == 401
    locked = await _client_token(client, created)
    assert locked.status_code == 429
    assert locked.headers["content-type"] == PROBLEM
    assert int(locked.headers["retry-after"]) > 0


async def test_a_success_clears_earlier_failures(client, new_user, password, settings):
    username = await new_user()
    wrong = {"grant_type": "password", "username": username, "password": "nope-nope"}
    right = {"grant_type": "password", "username": username, "password": password}
    for _ in range(settings.login_max_failures - 1):
        await client.post("/v1/token", data=wrong)
    assert (await client.post("/v1/token", data=right)).status_code == 200
    await client.post("/v1/token", data=wrong)
    assert (await client.post("/v1/token", data=right)).status_code == 200


async def test_a_failed_sign_in_is_logged_without_the_password(client, new_user, caplog):
    username = await new_user()
    await client.post("/v1/token", data={
        "grant_type": "password", "username": username, "password": "guess-number-one"})
    assert f"user:{username}" in caplog.text
    assert "guess-number-one" not in caplog.text
