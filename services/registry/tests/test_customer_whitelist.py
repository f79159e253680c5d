"""Whitelist by customer: an entry on a unit's USCC flags every sub-port it uses, now and
later; a sub-port that changes unit follows; whitelist is told which unit a sub-port serves."""

import uuid

import pytest
from sqlalchemy import select

from registry.models import OutboxEvent

FIRST, LATER, IMPORTED = "106901234567", "106901234599", "106901234588"


async def event(client, headers, topic, payload):
    response = await client.post("/v1/events", headers=headers("service"), json={
        "id": uuid.uuid4().hex, "source": "whitelist", "topic": topic, "payload": payload})
    assert response.status_code in (200, 202), response.text
    return response


async def flag(client, headers, number):
    return (await client.get(f"/v1/sub-ports/{number}", headers=headers("hq_admin"))
            ).json()["whitelisted"]


async def told(db_session):
    """What registry's outbox tells whitelist about sub-port units."""
    rows = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "sub_port.units"))).scalars().all()
    return [(i["number"], i["user_unit_uscc"]) for r in rows for i in r.payload["items"]]


@pytest.fixture
async def customer(reg, client, headers):
    """A unit with one sub-port, then a customer whitelist entry on the unit."""
    await reg.port()
    sub = await reg.complete_sub_port(FIRST)
    await event(client, headers, "whitelist.granted", {
        "entry_id": "wl-customer", "number": None, "uscc": sub["user_unit_uscc"],
        "category": "government_regulatory", "expires_at": None})
    return sub


async def register(reg, sub, number):
    return await reg.sub_port(number, user_unit_uscc=sub["user_unit_uscc"],
                              handler_id=sub["handler_id"], business_type="notification",
                              purpose="预警信息发布", machine_room="广州南方基地A3",
                              equipment="SMSC-GZ-07")


async def test_the_units_sub_ports_are_flagged_and_whitelist_told(customer, client, headers,
                                                                  db_session):
    assert await flag(client, headers, FIRST) is True
    assert await told(db_session) == [(FIRST, customer["user_unit_uscc"])]


async def test_a_sub_port_registered_later_is_protected(customer, reg, client, headers,
                                                        db_session):
    created = await register(reg, customer, LATER)
    assert created["whitelisted"] is True
    assert (LATER, customer["user_unit_uscc"]) in await told(db_session)


async def test_another_units_sub_port_is_not(customer, reg, client, headers, db_session):
    other = await reg.complete_sub_port(LATER)
    assert other["whitelisted"] is False
    assert LATER not in [n for n, _ in await told(db_session)]


async def test_a_sub_port_that_leaves_the_unit_loses_the_flag(customer, reg, client, headers,
                                                              db_session):
    other = await reg.org("44", roles=["user_unit"])
    response = await client.patch(f"/v1/sub-ports/{FIRST}",
                                  json={"user_unit_uscc": other["uscc"]},
                                  headers={**reg.hq, "If-Match": '*'})
    assert response.status_code == 200, response.text
    assert response.json()["whitelisted"] is False
    assert (FIRST, other["uscc"]) in await told(db_session)


async def test_a_sub_port_that_joins_the_unit_gains_the_flag(customer, reg, client, headers):
    other = await reg.complete_sub_port(LATER)
    response = await client.patch(f"/v1/sub-ports/{LATER}",
                                  json={"user_unit_uscc": customer["user_unit_uscc"]},
                                  headers={**reg.hq, "If-Match": f'W/"{other["version"]}"'})
    assert response.json()["whitelisted"] is True


async def test_an_imported_sub_port_of_the_unit_is_protected(customer, client, headers,
                                                             db_session):
    row = (f"number,province,user_unit_uscc,handler_id,business_type,purpose,machine_room,"
           f"equipment\n{IMPORTED},44,{customer['user_unit_uscc']},{customer['handler_id']},"
           f"notification,预警信息发布,广州南方基地A3,SMSC-GZ-07\n")
    response = await client.post("/v1/sub-ports/import", content=row.encode(),
                                 headers={**headers("hq_admin"), "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    assert await flag(client, headers, IMPORTED) is True
    assert (IMPORTED, customer["user_unit_uscc"]) in await told(db_session)


async def test_revoking_the_customer_entry_clears_the_flags(customer, reg, client, headers):
    await register(reg, customer, LATER)
    await event(client, headers, "whitelist.revoked", {"entry_id": "wl-customer",
                                                       "number": None})
    assert await flag(client, headers, FIRST) is False
    assert await flag(client, headers, LATER) is False


async def test_an_entry_naming_neither_number_nor_customer_is_422(client, headers):
    response = await client.post("/v1/events", headers=headers("service"), json={
        "id": uuid.uuid4().hex, "source": "whitelist", "topic": "whitelist.granted",
        "payload": {"entry_id": "wl-x", "number": None, "uscc": None}})
    assert response.status_code == 422
