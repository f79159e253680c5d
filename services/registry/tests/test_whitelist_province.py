"""Issue 9 item 4: a whitelist entry is bound to the province of what it names. Registry says
which province a number is (`GET /v1/numbers/{number}`, asked by whitelist) and flags only
sub-ports of the entry's own province."""

import uuid

from sqlalchemy import select

from registry.models import WhitelistEntry

PORT, SUB, LONGER = "10690123", "106901234567", "10690123456789"


async def event(client, headers, payload):
    body = {"id": uuid.uuid4().hex, "source": "whitelist", "topic": "whitelist.granted",
            "payload": {"number": None, "uscc": None, "category": "life_safety",
                        "expires_at": None, **payload}}
    response = await client.post("/v1/events", headers=headers("service"), json=body)
    assert response.status_code in (200, 202), response.text


async def flag(client, headers, number):
    return (await client.get(f"/v1/sub-ports/{number}", headers=headers("hq_admin"))
            ).json()["whitelisted"]


async def test_a_sub_port_is_answered_with_its_province(reg, client, headers):
    await reg.port(PORT, "11")
    await reg.sub_port(SUB, "11")
    response = await client.get(f"/v1/numbers/{SUB}", headers=headers("service"))
    assert response.status_code == 200, response.text
    assert response.json() == {"number": SUB, "kind": "sub_port", "province": "11"}


async def test_a_port_is_answered_as_a_port(reg, client, headers):
    await reg.port(PORT, "11")
    response = await client.get(f"/v1/numbers/{PORT}", headers=headers("service"))
    assert response.json() == {"number": PORT, "kind": "port", "province": "11"}


async def test_an_extension_is_its_longest_registered_match(reg, client, headers):
    await reg.port(PORT, "11")
    await reg.sub_port(SUB, "11")
    response = await client.get(f"/v1/numbers/{LONGER}", headers=headers("service"))
    assert response.json()["number"] == SUB


async def test_an_unregistered_number_is_404(client, headers):
    response = await client.get(f"/v1/numbers/{LONGER}", headers=headers("service"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_another_provinces_number_is_404_to_a_province(reg, client, headers):
    await reg.port(PORT, "11")
    mine = await client.get(f"/v1/numbers/{PORT}",
                            headers=headers("province_operator", province="11"))
    theirs = await client.get(f"/v1/numbers/{PORT}",
                              headers=headers("province_operator", province="44"))
    assert (mine.status_code, theirs.status_code) == (200, 404)


async def test_a_gateway_may_not_ask(client, headers):
    response = await client.get(f"/v1/numbers/{PORT}", headers=headers("gateway"))
    assert response.status_code == 403


async def test_an_entry_of_another_province_flags_nothing(reg, client, headers):
    await reg.port(PORT, "11")
    await reg.sub_port(SUB, "11")
    await event(client, headers, {"entry_id": "wl-44", "number": PORT, "province": "44"})
    assert await flag(client, headers, SUB) is False


async def test_an_entry_of_the_same_province_flags_its_sub_ports(reg, client, headers):
    await reg.port(PORT, "11")
    await reg.sub_port(SUB, "11")
    await event(client, headers, {"entry_id": "wl-11", "number": PORT, "province": "11"})
    assert await flag(client, headers, SUB) is True


async def test_a_sub_port_registered_later_follows_only_its_provinces_entry(
        reg, client, headers):
    await reg.port(PORT, "11", scope="national")
    await event(client, headers, {"entry_id": "wl-11", "number": PORT, "province": "11"})
    here = await reg.sub_port(SUB, "11")
    there = await reg.sub_port("106901234568", "44")
    assert (here["whitelisted"], there["whitelisted"]) == (True, False)


async def test_a_customer_entry_flags_the_units_sub_ports_of_its_province_only(
        reg, client, headers):
    await reg.port(PORT, "11", scope="national")
    unit = await reg.org("11", roles=["user_unit"])
    await reg.sub_port(SUB, "11", user_unit_uscc=unit["uscc"])
    await reg.sub_port("106901234568", "44", user_unit_uscc=unit["uscc"])
    await event(client, headers, {"entry_id": "wl-unit", "uscc": unit["uscc"],
                                  "province": "11"})
    assert (await flag(client, headers, SUB),
            await flag(client, headers, "106901234568")) == (True, False)


async def test_the_entry_keeps_its_province(reg, client, headers, db_session):
    await event(client, headers, {"entry_id": "wl-kept", "number": PORT, "province": "11"})
    entry = await db_session.scalar(select(WhitelistEntry).where(
        WhitelistEntry.entry_id == "wl-kept"))
    assert entry.province == "11"


async def test_something_that_is_no_port_number_is_404(client, headers):
    response = await client.get("/v1/numbers/" + "9" * 5000, headers=headers("service"))
    assert response.status_code == 404
