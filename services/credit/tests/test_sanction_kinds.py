"""Every listing carries its sanctions; registry reports back what it did with them."""

from sqlalchemy import select

from credit.models import OutboxEvent

UNIT = "91440300000000001H"
BOTH = ["suspend_cooperation", "restrict_business"]


async def manual(client, headers, **extra):
    response = await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": UNIT}, "reason": "r", "evidence": "e", **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def pushed(db_session):
    rows = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "sanction.applied").order_by(OutboxEvent.created_at))).scalars()
    return [row.payload["sanctions"] for row in rows]


async def test_a_manual_listing_carries_both_sanctions_by_default(client, headers, db_session):
    entry = await manual(client, headers)
    assert entry["sanctions"] == BOTH
    assert await pushed(db_session) == [BOTH]


async def test_a_manual_listing_may_only_restrict_business(client, headers, db_session):
    entry = await manual(client, headers, sanctions=["restrict_business"])
    assert entry["sanctions"] == ["restrict_business"]
    assert await pushed(db_session) == [["restrict_business"]]


async def test_a_fraud_case_widens_a_restriction_to_both_sanctions(client, headers, db_session):
    entry = await manual(client, headers, sanctions=["restrict_business"])
    response = await client.post("/v1/credit-events", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": UNIT}, "type": "real_name_violation",
        "occurred_at": entry["listed_at"], "evidence": "forged licence"})
    assert response.json()["blacklist_entry"]["id"] == entry["id"]
    assert response.json()["blacklist_entry"]["sanctions"] == BOTH
    assert await pushed(db_session) == [["restrict_business"], ["suspend_cooperation"]]


async def test_registry_outcome_shows_on_the_entry(client, headers):
    entry = await manual(client, headers)
    outcome = {"id": "ev-1", "source": "registry", "topic": "sanction.outcome", "payload": {
        "blacklist_id": entry["id"], "sub_ports": [
            {"number": "106901234567", "action": "suspended"},
            {"number": "106901234568", "action": "spared_whitelisted"}]}}
    response = await client.post("/v1/events", headers=headers("service"), json=outcome)
    assert response.status_code == 200, response.text
    listed = (await client.get("/v1/blacklist", headers=headers("auditor"))).json()["items"][0]
    assert [(s["number"], s["action"]) for s in listed["sub_ports"]] == [
        ("106901234567", "suspended"), ("106901234568", "spared_whitelisted")]


async def test_a_later_outcome_for_the_same_sub_port_replaces_the_first(client, headers):
    entry = await manual(client, headers)
    for n, action in enumerate(("spared_whitelisted", "kept_active")):
        await client.post("/v1/events", headers=headers("service"), json={
            "id": f"ev-{n}", "source": "registry", "topic": "sanction.outcome", "payload": {
                "blacklist_id": entry["id"],
                "sub_ports": [{"number": "106901234567", "action": action}]}})
    listed = (await client.get("/v1/blacklist", headers=headers("auditor"))).json()["items"][0]
    assert [s["action"] for s in listed["sub_ports"]] == ["kept_active"]
