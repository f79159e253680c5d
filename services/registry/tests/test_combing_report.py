"""Whitelist combing (notice §7): registry marks units to comb and shows whitelist's counts."""

import pytest
from sqlalchemy import select

from registry.models import OutboxEvent

PROGRESS = {"provinces": [{"province": "44", "name": "广东省", "combing": {
    "customers": 4, "combed": 3, "applied": 1, "not_needed": 2, "rate": 0.75}}]}


@pytest.fixture(autouse=True)
def progress(whitelist):
    whitelist.progress = PROGRESS


async def report(client, headers, province="44"):
    response = await client.get("/v1/reports/provinces",
                                headers=headers("province_operator", province=province))
    assert response.status_code == 200, response.text
    return response.json()


async def test_report_shows_whitelist_combing(client, headers, whitelist):
    body = await report(client, headers)
    assert body["combing_available"] is True
    assert body["items"][0]["combing"] == {"customers": 4, "combed": 3, "rate": 0.75}


async def test_report_without_whitelist_marks_combing_unknown(client, headers, whitelist):
    whitelist.down = True
    body = await report(client, headers)
    assert body["combing_available"] is False
    assert body["items"][0]["combing"] is None
    assert body["items"][0]["sub_ports"]["total"] == 0


async def candidates(db_session):
    rows = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "combing.candidate"))).scalars().all()
    return [(r.destination, r.payload) for r in rows]


async def test_a_public_service_unit_is_announced_to_whitelist(reg, db_session):
    org = await reg.org("44", roles=["user_unit"], public_service="emergency_rescue")
    assert org["public_service"] == "emergency_rescue"
    assert await candidates(db_session) == [("whitelist", {
        "uscc": org["uscc"], "province": "44", "public_service": "emergency_rescue"})]


async def test_an_ordinary_unit_is_announced_only_when_marked(reg, client, db_session):
    org = await reg.org("44", roles=["user_unit"])
    patch = await client.patch(f"/v1/organizations/{org['uscc']}",
                               json={"public_service": "government_regulatory"},
                               headers={**reg.hq, "If-Match": 'W/"1"'})
    assert patch.status_code == 200, patch.text
    unmark = await client.patch(f"/v1/organizations/{org['uscc']}",
                                json={"public_service": None},
                                headers={**reg.hq, "If-Match": 'W/"2"'})
    assert unmark.json()["public_service"] is None
    assert sorted(str(p["public_service"]) for _, p in await candidates(db_session)) == [
        "None", "None", "government_regulatory"]


async def test_unknown_public_service_is_422(reg, client):
    response = await client.post("/v1/organizations", headers=reg.hq, json={
        "uscc": reg.new_uscc(), "name": "某单位", "province": "44", "public_service": "bank"})
    assert response.status_code == 422
