import datetime as dt

from sqlalchemy import select, update

from whitelist.models import Entry, OutboxEvent
from whitelist.service.entries import expire_due
from whitelist.sweeps import sweep_once


async def _revoke(client, headers, entry_id, **kw):
    return await client.post(f"/v1/entries/{entry_id}/revoke", json={"reason": "sender closed"},
                             headers=headers("hq_admin", **kw))


async def _expire(db_session, entry_id):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await db_session.execute(update(Entry).where(Entry.id == entry_id).values(expires_at=past))


async def _events(db_session, topic):
    rows = await db_session.execute(select(OutboxEvent).where(OutboxEvent.topic == topic))
    return [e.payload for e in rows.scalars()]


async def test_revoke_emits_whitelist_revoked_to_registry(wl, client, headers, db_session):
    entry_id = (await wl.grant("106901234567"))["entry_id"]
    await _revoke(client, headers, entry_id)
    event = await db_session.scalar(select(OutboxEvent).where(
        OutboxEvent.topic == "whitelist.revoked"))
    assert event.destination == "registry"
    assert event.payload == {"entry_id": entry_id, "number": "106901234567", "uscc": None}


async def test_revoked_entry_no_longer_whitelists(wl, client, headers):
    entry_id = (await wl.grant("106901234567"))["entry_id"]
    await _revoke(client, headers, entry_id)
    response = await client.get("/v1/status/106901234567", headers=headers("gateway"))
    assert response.json()["whitelisted"] is False


async def test_revoke_records_who_and_why(wl, client, headers):
    entry_id = (await wl.grant())["entry_id"]
    response = await _revoke(client, headers, entry_id, sub="user:revoker")
    assert response.json()["status"] == "revoked"
    assert response.json()["revoked_by"] == "user:revoker"
    assert response.json()["revoke_reason"] == "sender closed"


async def test_revoking_twice_is_conflict(wl, client, headers):
    entry_id = (await wl.grant())["entry_id"]
    await _revoke(client, headers, entry_id)
    response = await _revoke(client, headers, entry_id)
    assert response.status_code == 409


async def test_province_operator_cannot_revoke(wl, client, headers):
    entry_id = (await wl.grant())["entry_id"]
    response = await client.post(f"/v1/entries/{entry_id}/revoke", json={"reason": "x"},
                                 headers=headers("province_operator", province="44"))
    assert response.status_code == 403


async def test_number_can_be_applied_for_again_after_revocation(wl, client, headers):
    entry_id = (await wl.grant("106901234567"))["entry_id"]
    await _revoke(client, headers, entry_id)
    response = await client.post("/v1/applications", json=wl.body("106901234567"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 201


async def test_expired_entry_no_longer_whitelists(wl, client, headers, db_session):
    entry_id = (await wl.grant("106901234567"))["entry_id"]
    await _expire(db_session, entry_id)
    response = await client.get("/v1/status/106901234567", headers=headers("gateway"))
    assert response.json()["whitelisted"] is False


async def test_expired_entry_reads_as_expired(wl, client, headers, db_session):
    entry_id = (await wl.grant())["entry_id"]
    await _expire(db_session, entry_id)
    response = await client.get(f"/v1/entries/{entry_id}", headers=headers("hq_admin"))
    assert response.json()["status"] == "expired"
    assert response.json()["active"] is False


async def test_active_filter_leaves_out_expired_and_revoked(wl, client, headers, db_session):
    kept = (await wl.grant("106901230001"))["entry_id"]
    await _expire(db_session, (await wl.grant("106901230002"))["entry_id"])
    await _revoke(client, headers, (await wl.grant("106901230003"))["entry_id"])
    response = await client.get("/v1/entries", params={"active": "true"},
                                headers=headers("hq_admin"))
    assert [e["id"] for e in response.json()["items"]] == [kept]


async def test_entries_filter_by_category(wl, client, headers):
    await wl.grant("106901230001", category="life_safety")
    await wl.grant("106901230002", category="government_regulatory")
    response = await client.get("/v1/entries", params={"category": "government_regulatory"},
                                headers=headers("hq_admin"))
    assert [e["number"] for e in response.json()["items"]] == ["106901230002"]


async def test_expiry_sweep_announces_revocation_to_registry(wl, db_session):
    entry_id = (await wl.grant("106901234567"))["entry_id"]
    await _expire(db_session, entry_id)
    assert await expire_due(db_session) == 1
    assert await _events(db_session, "whitelist.revoked") == [
        {"entry_id": entry_id, "number": "106901234567", "uscc": None}]


async def test_expiry_sweep_announces_each_entry_once(wl, db_session):
    await _expire(db_session, (await wl.grant())["entry_id"])
    await expire_due(db_session)
    assert await expire_due(db_session) == 0


async def test_expiry_sweep_leaves_unexpired_entries_alone(wl, db_session):
    await wl.grant()
    assert await expire_due(db_session) == 0


async def test_background_sweep_pass_announces_expired_entries(wl, app, db_session):
    await _expire(db_session, (await wl.grant())["entry_id"])
    assert await sweep_once(app) == 1


async def test_regrant_after_expiry_announces_the_old_entry_before_the_new_one(
        wl, client, headers, db_session):
    old = (await wl.grant("106901234567"))["entry_id"]
    await _expire(db_session, old)
    new = (await wl.grant("106901234567"))["entry_id"]
    rows = await db_session.execute(select(OutboxEvent).order_by(OutboxEvent.created_at))
    assert [(e.topic, e.payload["entry_id"]) for e in rows.scalars()] == [
        ("whitelist.granted", old), ("whitelist.revoked", old), ("whitelist.granted", new)]
