"""A PATCH that changes a whitelisted sub-port's business type puts its protection under
re-review: the local flag goes off at once and whitelist is told."""

from sqlalchemy import select

from registry.models import AuditEvent, OutboxEvent

NUMBER = "106901234567"


async def whitelisted(reg, client, headers, push, entry_on=NUMBER):
    await reg.port()
    await reg.complete_sub_port(NUMBER)
    await push("whitelist.granted", {"entry_id": "wl-1", "number": entry_on,
                                     "category": "life_safety"}, source="whitelist")
    sub = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    assert sub.json()["whitelisted"] is True
    return sub


async def patch(client, headers, current, **fields):
    return await client.patch(f"/v1/sub-ports/{NUMBER}", json=fields,
                              headers={**headers("hq_admin"), "If-Match": current.headers["ETag"]})


async def review_events(db_session):
    rows = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "sub_port.business_type_changed"))).scalars().all()
    return [(row.destination, row.payload) for row in rows]


async def test_a_business_type_change_turns_the_protection_off_and_tells_whitelist(
        reg, client, headers, push, db_session):
    current = await whitelisted(reg, client, headers, push)
    response = await patch(client, headers, current, business_type="marketing")
    audit = await db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "sub_port.whitelist_review"))
    assert response.json()["whitelisted"] is False
    assert await review_events(db_session) == [("whitelist", {
        "number": NUMBER, "old": "notification", "new": "marketing", "entry_ids": ["wl-1"]})]
    assert audit.data["entry_ids"] == ["wl-1"]


async def test_another_change_keeps_the_protection(reg, client, headers, push, db_session):
    current = await whitelisted(reg, client, headers, push)
    response = await patch(client, headers, current, purpose="地震预警短信")
    assert response.json()["whitelisted"] is True
    assert await review_events(db_session) == []


async def test_the_confirmation_from_whitelist_protects_again(reg, client, headers, push):
    current = await whitelisted(reg, client, headers, push)
    await patch(client, headers, current, business_type="marketing")
    await push("whitelist.granted", {"entry_id": "wl-1", "number": NUMBER,
                                     "category": "life_safety"}, source="whitelist")
    sub = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    assert sub.json()["whitelisted"] is True


async def test_an_entry_on_the_port_goes_under_review_for_every_sub_port_it_covers(
        reg, client, headers, push):
    current = await whitelisted(reg, client, headers, push, entry_on="10690123")
    await patch(client, headers, current, business_type="marketing")
    sub = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    assert sub.json()["whitelisted"] is False
