"""Four eyes means two people: privileged roles on a new client or user wait for a second
hq_admin, and an identity counts as the root person who created it (issue 9, item 3)."""

import pytest
from jose import jwt
from pydantic import SecretStr
from sqlalchemy import select

from identity import main
from identity.models import AuditEvent, Client, Grant, User

ADMIN = {"sub": "user:admin", "owner": "user:admin"}
OTHER = {"sub": "user:second", "owner": "user:second"}
SECOND_ADMIN = {"name": "second admin", "roles": ["hq_admin"], "province": "HQ"}


async def _create(client, headers, body=SECOND_ADMIN, who=ADMIN):
    response = await client.post("/v1/clients", json=body, headers=headers("hq_admin", **who))
    assert response.status_code == 201, response.text
    return response.json()


async def _token(client, created):
    return await client.post("/v1/token", data={
        "grant_type": "client_credentials", "client_id": created["client_id"],
        "client_secret": created["client_secret"], "audience": "identity"})


@pytest.mark.parametrize("role", ["hq_admin", "whitelist_admin", "enforcement"])
async def test_a_privileged_client_stays_disabled_until_approved(client, headers, role):
    created = await _create(client, headers, {**SECOND_ADMIN, "roles": [role]})
    assert created["active"] is False and created["grant_id"]
    assert (await _token(client, created)).status_code == 401


async def test_an_ordinary_client_needs_no_grant(client, headers):
    created = await _create(client, headers, {**SECOND_ADMIN, "roles": ["gateway"]})
    assert created["active"] is True and created["grant_id"] is None


async def test_the_requesting_person_cannot_approve(client, headers):
    created = await _create(client, headers)
    response = await client.post(f"/v1/grants/{created['grant_id']}/approve",
                                 headers=headers("hq_admin", **ADMIN))
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"


async def test_an_identity_the_requester_created_cannot_approve_either(client, headers):
    created = await _create(client, headers)
    proxy = {"sub": "c-proxy", "owner": "user:admin"}  # a client admin made earlier
    response = await client.post(f"/v1/grants/{created['grant_id']}/approve",
                                 headers=headers("hq_admin", **proxy))
    assert response.status_code == 403


async def test_a_second_person_approves_and_the_client_signs_in_as_its_creator(
        client, headers, db_session):
    created = await _create(client, headers)
    response = await client.post(f"/v1/grants/{created['grant_id']}/approve",
                                 headers=headers("hq_admin", **OTHER))
    token = await _token(client, created)
    claims = jwt.get_unverified_claims(token.json()["access_token"])
    actions = (await db_session.execute(select(AuditEvent.action).where(
        AuditEvent.entity == "grant"))).scalars().all()
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert token.status_code == 200
    assert claims["owner"] == "user:admin" and claims["sub"] == created["client_id"]
    assert actions == ["grant.requested", "grant.approved"]


async def test_a_decided_grant_is_409(client, headers):
    created = await _create(client, headers)
    path = f"/v1/grants/{created['grant_id']}/approve"
    await client.post(path, headers=headers("hq_admin", **OTHER))
    assert (await client.post(path, headers=headers("hq_admin", **OTHER))).status_code == 409


async def test_a_rejected_grant_leaves_the_identity_disabled(client, headers, db_session):
    created = await _create(client, headers)
    response = await client.post(f"/v1/grants/{created['grant_id']}/reject",
                                 headers=headers("hq_admin", **ADMIN))
    row = await db_session.scalar(select(Client).where(Client.client_id == created["client_id"]))
    assert response.json()["status"] == "rejected"
    assert row.active is False


async def test_a_privileged_user_waits_too_and_pending_grants_are_listed(client, headers):
    response = await client.post("/v1/users", headers=headers("hq_admin", **ADMIN), json={
        "username": "wl.li", "password": "a long enough password",
        "roles": ["whitelist_admin"], "province": "HQ"})
    listed = await client.get("/v1/grants?status=pending", headers=headers("hq_admin"))
    assert response.json()["active"] is False
    assert [(g["kind"], g["subject"]) for g in listed.json()["items"]] == [("user", "wl.li")]


async def test_bootstrap_admin_is_active_and_its_own_root(app, db_session, settings):
    app.state.settings = settings.model_copy(update={
        "admin_password": SecretStr("admin password from settings")})
    try:
        await main._bootstrap(app)
    finally:
        app.state.settings = settings
    admin = await db_session.scalar(select(User).where(User.username == "admin"))
    pending = (await db_session.execute(select(Grant))).scalars().all()
    assert (admin.active, admin.owner) == (True, "user:admin")
    assert pending == []
