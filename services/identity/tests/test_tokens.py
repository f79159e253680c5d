from identity import keys, service
from identity.schemas import ClientCreate


async def _client(db_session, **kw):
    data = ClientCreate(name="Guangdong gateway", roles=["gateway"], province="44", **kw)
    return await service.create_client(db_session, data=data, actor="test")


async def test_client_credentials_grant_issues_token_for_requested_audience(client, db_session):
    created = await _client(db_session)
    response = await client.post("/v1/token", data={
        "grant_type": "client_credentials", "client_id": created.client_id,
        "client_secret": created.client_secret, "audience": "registry"})
    assert response.status_code == 200
    assert response.json()["expires_in"] <= 900


async def test_wrong_secret_is_401_problem(client, db_session):
    created = await _client(db_session)
    response = await client.post("/v1/token", data={
        "grant_type": "client_credentials", "client_id": created.client_id,
        "client_secret": "wrong"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error"] == "invalid_client"


async def test_jwks_publishes_the_signing_key(client, db_session, app):
    await keys.active_key(db_session, app.state.cipher)
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json()["keys"][0]["alg"] == "ES256"
