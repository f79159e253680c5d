"""Issue 9 item 4: an application and its entry are bound to the province of the number or
customer they name, as registry has it. A province-bound caller naming another province's
is answered exactly as for one registry does not know; HQ may name any."""

import uuid

import pytest
from sqlalchemy import func, select

from porttrust_dev.testdata import uscc
from whitelist.models import Application

BEIJING_NUMBER, NOBODYS_NUMBER = "106901110001", "106901119999"
BEIJING_UNIT, NOBODYS_UNIT = uscc(1, prefix="91110000MA5"), uscc(9, prefix="91110000MA5")
GUANGDONG = {"province": "44"}


def _body(**target):
    return {"category": "life_safety", "justification": "应急预警", **target}


def _answer(response):
    body = response.json()
    return response.status_code, body["type"], body["title"], body["detail"]


async def _apply(client, headers, body, role="province_operator", province="44"):
    return await client.post("/v1/applications", json=body,
                             headers=headers(role, province=province, sub="user:applicant"))


async def _applications(db_session):
    return await db_session.scalar(select(func.count()).select_from(Application))


@pytest.mark.parametrize(("field", "theirs", "nobodys"), [
    ("number", BEIJING_NUMBER, NOBODYS_NUMBER), ("uscc", BEIJING_UNIT, NOBODYS_UNIT)],
    ids=["number", "customer"])
async def test_another_provinces_target_answers_as_an_unregistered_one(
        client, headers, registry, field, theirs, nobodys):
    registry.provinces[theirs] = "11"
    registry.unknown.add(nobodys)
    refused = await _apply(client, headers, _body(**{field: theirs}))
    unknown = await _apply(client, headers, _body(**{field: nobodys}))
    assert _answer(refused) == _answer(unknown)
    assert refused.status_code == 422
    assert "11" not in refused.json()["detail"]


async def test_naming_the_own_province_does_not_help(client, headers, registry):
    registry.provinces[BEIJING_NUMBER] = "11"
    registry.unknown.add(NOBODYS_NUMBER)
    theirs = await _apply(client, headers, _body(number=BEIJING_NUMBER, **GUANGDONG))
    nobodys = await _apply(client, headers, _body(number=NOBODYS_NUMBER, **GUANGDONG))
    assert _answer(theirs) == _answer(nobodys)


async def test_another_provinces_whitelisted_number_is_not_revealed(wl, client, headers,
                                                                    registry):
    await wl.grant(BEIJING_NUMBER, province="11")
    registry.unknown.add(NOBODYS_NUMBER)
    theirs = await _apply(client, headers, _body(number=BEIJING_NUMBER))
    nobodys = await _apply(client, headers, _body(number=NOBODYS_NUMBER))
    assert _answer(theirs) == _answer(nobodys)


async def test_nothing_is_stored_for_a_refused_application(client, headers, registry,
                                                          db_session):
    registry.provinces[BEIJING_NUMBER] = "11"
    await _apply(client, headers, _body(number=BEIJING_NUMBER))
    assert await _applications(db_session) == 0


async def test_an_own_province_number_is_accepted(client, headers, registry):
    registry.provinces[BEIJING_NUMBER] = "44"
    response = await _apply(client, headers, _body(number=BEIJING_NUMBER))
    assert response.status_code == 201, response.text
    assert response.json()["province"] == "44"


async def test_hq_may_name_any_number_and_the_numbers_province_is_kept(
        client, headers, registry):
    registry.provinces[BEIJING_NUMBER] = "11"
    response = await _apply(client, headers, _body(number=BEIJING_NUMBER),
                            role="whitelist_admin", province="HQ")
    assert response.status_code == 201, response.text
    assert response.json()["province"] == "11"


async def test_hq_naming_a_province_other_than_the_numbers_is_422(client, headers, registry):
    registry.provinces[BEIJING_NUMBER] = "11"
    response = await _apply(client, headers, _body(number=BEIJING_NUMBER, **GUANGDONG),
                            role="whitelist_admin", province="HQ")
    assert response.status_code == 422


async def test_a_customers_province_comes_from_registry_not_the_body(client, headers,
                                                                     registry):
    registry.provinces[BEIJING_UNIT] = "11"
    response = await _apply(client, headers, _body(uscc=BEIJING_UNIT),
                            role="whitelist_admin", province="HQ")
    assert response.status_code == 201, response.text
    assert response.json()["province"] == "11"


async def test_the_entry_is_in_the_numbers_province(wl, client, headers, registry):
    registry.provinces[BEIJING_NUMBER] = "11"
    created = await _apply(client, headers, _body(number=BEIJING_NUMBER),
                           role="whitelist_admin", province="HQ")
    approved = await wl.approve(created.json()["id"])
    entry = await client.get(f"/v1/entries/{approved.json()['entry_id']}",
                             headers=headers("hq_admin"))
    assert entry.json()["province"] == "11"


async def test_registry_down_is_503_and_nothing_is_stored(client, headers, registry,
                                                          db_session):
    registry.down = True
    response = await _apply(client, headers, _body(number=BEIJING_NUMBER))
    assert response.status_code == 503
    assert response.json()["type"].endswith("/dependency-unavailable")
    assert await _applications(db_session) == 0


async def test_status_carries_the_entrys_province(wl, client, headers):
    await wl.grant(BEIJING_NUMBER, province="11")
    response = await client.get(f"/v1/status/{BEIJING_NUMBER}", headers=headers("service"))
    assert response.json()["province"] == "11"


async def test_a_customer_entry_covers_only_its_provinces_sub_ports(wl, client, headers,
                                                                   registry):
    registry.provinces[BEIJING_UNIT] = "11"
    created = await _apply(client, headers, _body(uscc=BEIJING_UNIT),
                           role="whitelist_admin", province="HQ")
    assert (await wl.approve(created.json()["id"])).status_code == 200
    await client.post("/v1/events", headers=headers("service"), json={
        "id": uuid.uuid4().hex, "source": "registry", "topic": "sub_port.units",
        "created_at": "2026-12-01T00:00:00Z", "payload": {"items": [
            {"number": "106901110001", "user_unit_uscc": BEIJING_UNIT, "province": "11"},
            {"number": "106901440001", "user_unit_uscc": BEIJING_UNIT, "province": "44"}]}})
    here = await client.get("/v1/status/106901110001", headers=headers("gateway"))
    there = await client.get("/v1/status/106901440001", headers=headers("gateway"))
    assert (here.json()["whitelisted"], there.json()["whitelisted"]) == (True, False)
