"""Signing keys: published as a JWKS, rotated with an overlap, sealed at rest."""

import datetime as dt

import httpx
import pytest
from jose import jwt
from sqlalchemy import select, update

from identity.main import create_app
from identity.models import SigningKey
from identity.service import keys
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Unauthorized
from porttrust_shared.tokens import TokenVerifier


async def _token(client, created) -> str:
    response = await client.post("/v1/token", data={
        "grant_type": "client_credentials", "client_id": created.client_id,
        "client_secret": created.client_secret, "audience": "registry"})
    return str(response.json()["access_token"])


def _registry(client, settings) -> TokenVerifier:
    """How registry checks identity's tokens: through the published JWKS."""
    return TokenVerifier(audience="registry", issuer=settings.issuer,
                         jwks_url="http://test/.well-known/jwks.json", http=client,
                         refresh_floor=0)


async def test_jwks_publishes_the_signing_key(client, db_session, app):
    active = await keys.active_key(db_session, app.state.cipher)
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    published = {k["kid"]: k for k in response.json()["keys"]}
    assert published[active.kid]["alg"] == "ES256"
    assert published[active.kid]["crv"] == "P-256"
    assert "d" not in published[active.kid]


async def test_a_service_verifies_identity_tokens_through_the_jwks(client, settings,
                                                                   new_client):
    created = await new_client()
    principal = await _registry(client, settings).verify(await _token(client, created))
    assert principal.sub == created.client_id


async def test_after_rotation_new_tokens_use_the_new_kid(client, db_session, app, new_client):
    created = await new_client()
    before = jwt.get_unverified_header(await _token(client, created))["kid"]
    rotated = await keys.rotate(db_session, app.state.cipher)
    after = jwt.get_unverified_header(await _token(client, created))["kid"]
    assert after == rotated.kid
    assert after != before


async def test_a_token_signed_by_the_old_key_keeps_verifying_after_rotation(
        client, db_session, app, settings, new_client):
    created = await new_client()
    old_token = await _token(client, created)
    registry = _registry(client, settings)
    await registry.verify(old_token)
    await keys.rotate(db_session, app.state.cipher)
    new_token = await _token(client, created)
    assert (await registry.verify(new_token)).sub == created.client_id
    assert (await _registry(client, settings).verify(old_token)).sub == created.client_id


async def test_a_retired_key_leaves_the_jwks_once_its_tokens_expired(
        client, db_session, app, settings, new_client):
    created = await new_client()
    old_token = await _token(client, created)
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    await keys.rotate(db_session, app.state.cipher)
    long_ago = utcnow() - dt.timedelta(minutes=20)
    await db_session.execute(update(SigningKey).where(SigningKey.kid == old_kid)
                             .values(retired_at=long_ago))
    published = [k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]]
    assert old_kid not in published
    with pytest.raises(Unauthorized):
        await _registry(client, settings).verify(old_token)


async def test_a_key_older_than_the_rotation_age_is_replaced(db_session, app):
    first = await keys.active_key(db_session, app.state.cipher)
    await db_session.execute(update(SigningKey).where(SigningKey.kid == first.kid)
                             .values(created_at=utcnow() - dt.timedelta(days=31)))
    db_session.expire_all()
    second = await keys.active_key(db_session, app.state.cipher, max_age=dt.timedelta(days=30))
    assert second.kid != first.kid


async def test_private_keys_are_sealed_at_rest(db_session, app):
    await keys.active_key(db_session, app.state.cipher)
    row = await db_session.scalar(select(SigningKey))
    assert "PRIVATE KEY" not in row.private_pem
    assert row.private_pem.startswith("v1.")


@pytest.fixture
async def own(app, settings, db_session):
    """identity as deployed: no JWKS file, so it checks tokens against its own key table."""
    deployed = create_app(settings.model_copy(update={"jwks_file": None}))
    deployed.state.sessions = app.state.sessions  # share the test's rolled-back transaction
    transport = httpx.ASGITransport(app=deployed)
    async with httpx.AsyncClient(transport=transport, base_url="http://own") as http:
        yield http
    await deployed.state.engine.dispose()


async def _person_token(http, username, password, audience):
    response = await http.post("/v1/token", data={
        "grant_type": "password", "username": username, "password": password,
        "audience": audience})
    return response.json()["access_token"]


async def test_identity_verifies_its_own_tokens_from_its_own_keys(own, new_user, password):
    username = await new_user(roles=("hq_admin",))
    token = await _person_token(own, username, password, "identity")
    response = await own.post("/v1/clients", headers={"Authorization": f"Bearer {token}"},
                              json={"name": "x", "roles": ["gateway"], "province": "44"})
    assert response.status_code == 201


async def test_identity_refuses_a_token_meant_for_other_services(own, new_user, password):
    username = await new_user(roles=("hq_admin",))
    token = await _person_token(own, username, password, "registry")
    response = await own.post("/v1/clients", headers={"Authorization": f"Bearer {token}"},
                              json={"name": "x", "roles": ["gateway"], "province": "44"})
    assert response.status_code == 401


async def test_identity_sees_a_rotated_key_at_once(own, db_session, app, new_user, password):
    username = await new_user(roles=("hq_admin",))
    await _person_token(own, username, password, "identity")
    await keys.rotate(db_session, app.state.cipher)
    token = await _person_token(own, username, password, "identity")
    response = await own.post("/v1/clients", headers={"Authorization": f"Bearer {token}"},
                              json={"name": "y", "roles": ["gateway"], "province": "44"})
    assert response.status_code == 201
