"""GET /v1/reports/provinces: per province, from a small known fixture."""

import datetime as dt

import pytest

from porttrust_shared.validators import PROVINCES


@pytest.fixture
async def fixture(reg, client, headers):
    """Guangdong: a signed and an unsigned holder; three sub-ports, one complete and active,
    one incomplete, one cancelled; two handlers, one verified."""
    signed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).isoformat()
    await reg.port("10690123", agreement_signed_at=signed)
    await reg.port("10690456")
    complete = await reg.complete_sub_port("106901230001")
    await client.post("/v1/sub-ports/106901230001/activate", headers=headers("hq_admin"))
    unit = await reg.org(roles=["user_unit"])
    await reg.handler(unit, verified=False)
    await reg.sub_port("106904560001")
    await reg.sub_port("106904560002")
    await client.post("/v1/sub-ports/106904560002/cancel", json={"reason": "停用"},
                      headers=headers("hq_admin"))
    return complete


async def report(client, headers, role="hq_admin", province="HQ"):
    response = await client.get("/v1/reports/provinces", headers=headers(role, province=province))
    return response


def guangdong(body):
    return next(item for item in body["items"] if item["province"] == "44")


async def test_hq_sees_all_31_provinces(client, headers, fixture):
    body = (await report(client, headers)).json()
    assert [item["province"] for item in body["items"]] == sorted(PROVINCES)


async def test_a_province_without_records_has_zero_rows(client, headers, fixture):
    beijing = next(i for i in (await report(client, headers)).json()["items"]
                   if i["province"] == "11")
    assert beijing["sub_ports"]["total"] == 0 and beijing["completeness"]["rate"] is None


async def test_sub_ports_are_counted_by_state(client, headers, fixture):
    counts = guangdong((await report(client, headers)).json())["sub_ports"]
    assert counts == {"registered": 1, "active": 1, "suspended": 0, "cancelled": 1, "total": 3}


async def test_completeness_counts_live_sub_ports_with_nothing_missing(client, headers,
                                                                       fixture):
    assert guangdong((await report(client, headers)).json())["completeness"] == {
        "complete": 1, "total": 2, "rate": 0.5}


async def test_handlers_verified_count_and_rate(client, headers, fixture):
    assert guangdong((await report(client, headers)).json())["handlers"] == {
        "verified": 1, "total": 2, "rate": 0.5}


async def test_holders_with_signed_agreements(client, headers, fixture):
    assert guangdong((await report(client, headers)).json())["holders"] == {
        "signed": 1, "total": 2, "rate": 0.5}


async def test_province_operator_sees_only_its_province(client, headers, fixture):
    body = (await report(client, headers, "province_operator", "44")).json()
    assert [item["province"] for item in body["items"]] == ["44"]


async def test_auditor_reads_the_report(client, headers, fixture):
    assert (await report(client, headers, "auditor")).status_code == 200


async def test_gateway_may_not_read_the_report(client, headers):
    assert (await report(client, headers, "gateway")).status_code == 403
