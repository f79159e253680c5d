"""An entry under re-review after its sub-port's business type changed protects nothing until
a whitelist_admin confirms it."""

from sqlalchemy import select

from whitelist.models import AuditEvent, OutboxEvent

NUMBER = "106901234567"


async def changed(client, headers, entry_id, number=NUMBER):
    """registry's `sub_port.business_type_changed`, as its outbox relay delivers it."""
    response = await client.post("/v1/events", headers=headers("service"), json={
        "id": f"ev{entry_id}"[:32], "source": "registry", "topic": "sub_port.business_type_changed",
        "payload": {"number": number, "old": "notification", "new": "marketing",
                    "entry_ids": [entry_id]}})
    assert response.status_code == 200, response.text


async def confirm(client, headers, entry_id, role="whitelist_admin", **kw):
    return await client.post(f"/v1/entries/{entry_id}/confirm", headers=headers(role, **kw),
                             json={"reason": "still the hospital's alert channel"})


async def test_the_entry_answers_review_and_no_longer_protects(wl, client, headers):
    entry_id = (await wl.grant(NUMBER))["entry_id"]
    await changed(client, headers, entry_id)
    entry = await client.get(f"/v1/entries/{entry_id}", headers=headers("whitelist_admin"))
    status = await client.get(f"/v1/status/{NUMBER}", headers=headers("service"))
    assert (entry.json()["status"], entry.json()["active"]) == ("review", False)
    assert "notification to marketing" in entry.json()["review_reason"]
    assert status.json()["whitelisted"] is False


async def test_confirming_protects_again_tells_registry_and_is_audited(wl, client, headers,
                                                                      db_session):
    entry_id = (await wl.grant(NUMBER))["entry_id"]
    await changed(client, headers, entry_id)
    response = await confirm(client, headers, entry_id, sub="wl-bob")
    status = await client.get(f"/v1/status/{NUMBER}", headers=headers("service"))
    grants = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "whitelist.granted"))).scalars().all()
    audit = await db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "entry.confirmed"))
    assert (response.status_code, response.json()["status"]) == (200, "active")
    assert status.json()["whitelisted"] is True
    assert len(grants) == 2 and grants[-1].payload["entry_id"] == entry_id
    assert (audit.actor, audit.entity_id) == ("wl-bob", entry_id)


async def test_an_entry_not_under_review_is_409(wl, client, headers):
    entry_id = (await wl.grant(NUMBER))["entry_id"]
    assert (await confirm(client, headers, entry_id)).status_code == 409


async def test_only_whitelist_admin_and_hq_admin_confirm(wl, client, headers):
    entry_id = (await wl.grant(NUMBER))["entry_id"]
    await changed(client, headers, entry_id)
    refused = await confirm(client, headers, entry_id, role="province_operator", province="44")
    assert refused.status_code == 403


async def test_an_entry_under_review_may_still_be_revoked(wl, client, headers):
    entry_id = (await wl.grant(NUMBER))["entry_id"]
    await changed(client, headers, entry_id)
    response = await client.post(f"/v1/entries/{entry_id}/revoke", headers=headers("hq_admin"),
                                 json={"reason": "no longer needed"})
    assert response.json()["status"] == "revoked"
