import datetime as dt

import pytest
from sqlalchemy import select, update

from porttrust_shared.db import utcnow
from registry.models import AuditEvent, SubPort

PAST = (utcnow() - dt.timedelta(days=1)).isoformat()
FUTURE = (utcnow() + dt.timedelta(days=30)).isoformat()


# Every test here runs with conftest's fake whitelist in place.
pytestmark = pytest.mark.usefixtures("whitelist")


async def _active(reg, client, headers, number, province="44"):
    await reg.complete_sub_port(number, province)
    response = await client.post(f"/v1/sub-ports/{number}/activate",
                                 headers=headers("hq_admin"))
    assert response.status_code == 200, response.text


async def _strip(db_session, number, **values):
    """Legacy data: a live record that lost what it should hold (what back-fill is for)."""
    values = values or {"machine_room": None}
    await db_session.execute(update(SubPort).where(SubPort.number == number).values(**values))


async def _status(client, headers, number):
    response = await client.get(f"/v1/sub-ports/{number}", headers=headers("hq_admin"))
    return response.json()["status"]


@pytest.fixture
async def province_44(reg, client, headers, db_session):
    """Sub-ports ...01 complete active, ...02 and ...03 incomplete active, ...04 registered
    with nothing filled in."""
    await reg.port()
    for n in ("1069012301", "1069012302", "1069012303"):
        await _active(reg, client, headers, n)
    await _strip(db_session, "1069012302")
    await _strip(db_session, "1069012303", purpose=None, equipment=None)
    await reg.sub_port("1069012304")


async def _enforce(client, headers, *, province="44", deadline=PAST, dry_run=False,
                   role="hq_admin", token_province="HQ"):
    body = {"province": province, "deadline": deadline, "dry_run": dry_run}
    return await client.post("/v1/backfill/enforcement", json=body,
                             headers=headers(role, province=token_province))


async def test_report_counts_done_and_outstanding_with_what_is_missing(
        province_44, client, headers):
    response = await client.get("/v1/backfill/report", headers=headers("hq_admin"))
    line = response.json()["provinces"][0]
    assert (line["province"], line["total"], line["complete"], line["incomplete"]) == (
        "44", 4, 1, 3)
    assert line["incomplete_active"] == 2
    assert line["missing"]["machine_room"] == 2
    assert line["missing"]["equipment"] == 2
    assert line["missing"]["user_unit"] == 1


async def test_report_for_a_province_operator_shows_only_its_province(
        province_44, reg, client, headers):
    await reg.port("10690555", province="11")
    await reg.sub_port("106905551", province="11")
    response = await client.get("/v1/backfill/report",
                                headers=headers("province_operator", province="11"))
    assert [p["province"] for p in response.json()["provinces"]] == ["11"]


async def test_queue_orders_by_weighted_volume_value_and_importance(
        reg, client, headers, db_session):
    await reg.port()
    figures = {"1069012311": (1000, 10, 0), "1069012312": (100, 100, 10),
               "1069012313": (0, 0, 2)}
    for number, (volume, value, importance) in figures.items():
        await reg.sub_port(number, monthly_volume=volume, value_contribution=value,
                           customer_importance=importance)
    response = await client.get("/v1/backfill/queue", params={"province": "44"},
                                headers=headers("hq_admin"))
    items = response.json()["items"]
    assert [i["number"] for i in items] == ["1069012312", "1069012311", "1069012313"]
    assert [i["score"] for i in items] == [5500, 5300, 400]


async def test_queue_leaves_out_complete_sub_ports_and_flags_whitelisted_ones(
        province_44, client, headers, db_session):
    await _strip(db_session, "1069012302", machine_room=None, whitelisted=True)
    response = await client.get("/v1/backfill/queue", params={"province": "44"},
                                headers=headers("hq_admin"))
    flags = {i["number"]: i["whitelisted"] for i in response.json()["items"]}
    assert flags == {"1069012302": True, "1069012303": False, "1069012304": False}


async def test_queue_pages_through_in_priority_order_with_a_cursor(reg, client, headers):
    await reg.port()
    for n, volume in enumerate((30, 10, 20)):
        await reg.sub_port(f"106901232{n}", monthly_volume=volume)
    seen, cursor = [], None
    for _ in range(3):
        params = {"province": "44", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/backfill/queue", params=params,
                                 headers=headers("hq_admin"))).json()
        seen += [i["number"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ["1069012320", "1069012322", "1069012321"]
    assert cursor is None


async def test_queue_of_another_province_is_404(province_44, client, headers):
    response = await client.get("/v1/backfill/queue", params={"province": "44"},
                                headers=headers("province_operator", province="11"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_queue_defaults_to_the_operators_own_province(province_44, client, headers):
    response = await client.get("/v1/backfill/queue",
                                headers=headers("province_operator", province="44"))
    assert len(response.json()["items"]) == 3


async def test_enforcement_suspends_incomplete_active_sub_ports_only(
        province_44, client, headers):
    response = await _enforce(client, headers)
    assert response.status_code == 200, response.text
    assert response.json()["suspended"] == ["1069012302", "1069012303"]
    assert [await _status(client, headers, n) for n in
            ("1069012301", "1069012302", "1069012303", "1069012304")] == [
        "active", "suspended", "suspended", "registered"]


async def test_enforcement_suspends_through_the_lifecycle_with_the_deadline_reason(
        province_44, client, headers, db_session):
    await _enforce(client, headers)
    steps = await client.get("/v1/sub-ports/1069012302/transitions",
                             headers=headers("hq_admin"))
    audited = (await db_session.execute(select(AuditEvent.action).where(
        AuditEvent.entity_id == "1069012302"))).scalars().all()
    assert steps.json()[-1]["reason"] == "backfill_deadline"
    assert audited[-1] == "sub_port.suspended"


async def test_whitelisted_sub_ports_are_exempt(province_44, whitelist, client, headers):
    whitelist.whitelisted.add("1069012303")
    response = await _enforce(client, headers)
    assert (response.json()["suspended"], response.json()["exempted"]) == (
        ["1069012302"], ["1069012303"])
    assert await _status(client, headers, "1069012303") == "active"


async def test_an_entry_of_another_province_exempts_nothing(
        province_44, whitelist, client, headers):
    whitelist.whitelisted.add("1069012303")
    whitelist.provinces["1069012303"] = "11"
    response = await _enforce(client, headers)
    assert (response.json()["suspended"], response.json()["exempted"]) == (
        ["1069012302", "1069012303"], [])


async def test_an_entry_of_the_same_province_exempts(province_44, whitelist, client, headers):
    whitelist.whitelisted.add("1069012303")
    whitelist.provinces["1069012303"] = "44"
    response = await _enforce(client, headers)
    assert response.json()["exempted"] == ["1069012303"]


async def test_a_locally_flagged_whitelisted_sub_port_is_exempt_too(
        province_44, client, headers, db_session):
    await _strip(db_session, "1069012303", purpose=None, whitelisted=True)
    response = await _enforce(client, headers)
    assert response.json()["exempted"] == ["1069012303"]


async def test_whitelist_down_is_503_and_nothing_is_suspended(
        province_44, whitelist, client, headers):
    whitelist.down = True
    response = await _enforce(client, headers)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert await _status(client, headers, "1069012302") == "active"


async def test_a_dry_run_reports_what_would_be_suspended_and_changes_nothing(
        province_44, client, headers, db_session):
    before = (await db_session.execute(select(AuditEvent.seq))).scalars().all()
    response = await _enforce(client, headers, dry_run=True)
    after = (await db_session.execute(select(AuditEvent.seq))).scalars().all()
    assert response.json()["suspended_count"] == 2
    assert await _status(client, headers, "1069012302") == "active"
    assert before == after


async def test_enforcement_before_the_deadline_is_409(province_44, client, headers):
    response = await _enforce(client, headers, deadline=FUTURE)
    assert response.status_code == 409
    assert await _status(client, headers, "1069012302") == "active"


async def test_a_dry_run_before_the_deadline_is_allowed(province_44, client, headers):
    response = await _enforce(client, headers, deadline=FUTURE, dry_run=True)
    assert response.json()["suspended"] == ["1069012302", "1069012303"]


async def test_a_province_operator_enforces_its_own_province(province_44, client, headers):
    response = await _enforce(client, headers, role="province_operator", token_province="44")
    assert response.json()["suspended_count"] == 2


async def test_a_province_operator_cannot_enforce_another_province(
        province_44, client, headers):
    response = await _enforce(client, headers, role="province_operator", token_province="11")
    assert response.status_code == 403
    assert await _status(client, headers, "1069012302") == "active"


async def test_a_gateway_cannot_enforce(province_44, client, headers):
    response = await _enforce(client, headers, role="gateway")
    assert response.status_code == 403


async def test_enforcement_leaves_other_provinces_alone(province_44, reg, client, headers,
                                                        db_session):
    await reg.port("10690555", province="11")
    await _active(reg, client, headers, "106905551", province="11")
    await _strip(db_session, "106905551")
    await _enforce(client, headers)
    assert await _status(client, headers, "106905551") == "active"


async def test_enforcement_rejects_unknown_fields(client, headers):
    body = {"province": "44", "deadline": PAST, "dry_run": True, "force": True}
    response = await client.post("/v1/backfill/enforcement", json=body,
                                 headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_an_unverified_handler_puts_a_sub_port_in_the_queue(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port("1069012331", verified=False)
    response = await client.get("/v1/backfill/queue", params={"province": "44"},
                                headers=headers("hq_admin"))
    assert [(i["number"], i["missing"]) for i in response.json()["items"]] == [
        ("1069012331", ["handler_verified"])]


async def test_a_queue_for_a_made_up_province_is_422(client, headers):
    response = await client.get("/v1/backfill/queue", params={"province": "99"},
                                headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_enforcement_asks_whitelist_only_about_incomplete_active_sub_ports(
        province_44, whitelist, client, headers):
    await _enforce(client, headers, dry_run=True)
    assert whitelist.calls == [["1069012302", "1069012303"]]


async def test_dry_run_must_be_a_boolean_not_a_number(client, headers):
    # Found by the fuzzer: the schema says boolean, and 0 was read as false.
    response = await client.post("/v1/backfill/enforcement", headers=headers("hq_admin"),
                                 json={"province": "44", "deadline": PAST, "dry_run": 0})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "dry_run"]
