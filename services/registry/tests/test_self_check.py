"""Commercial self-inspection (自查整改): every failure kind, from data made the real way."""

import datetime as dt

import pytest

from porttrust_shared.db import utcnow
from registry.models import MessageTemplate

CLEAN, LEGACY, SLOW = "106901234561", "106901234562", "106901234563"
PHONE = "13812345678"


def promo(signature, opt_out=True):
    return f"【{signature}】会员日全场满299减50，到店即享" + ("，回T退订" if opt_out else "")


async def marketing(reg, client, number, province="44"):
    sub = await reg.complete_sub_port(number, province)
    await client.patch(f"/v1/sub-ports/{number}", json={"business_type": "marketing"},
                       headers={**reg.hq, "If-Match": f'W/"{sub["version"]}"'})
    await client.post(f"/v1/sub-ports/{number}/activate", headers=reg.hq)
    return sub


async def reply(client, headers, number, text, at):
    response = await client.post("/v1/mo-messages", json={
        "sub_port": number, "sender": PHONE, "text": text, "received_at": at.isoformat()},
        headers=headers("gateway"))
    assert response.status_code == 201, response.text
    return response.json()


async def legacy_template(db_session, number, text):
    """A template approved before signatures were registered (kept working)."""
    now = utcnow()
    db_session.add(MessageTemplate(sub_port_number=number, province="44", text=text,
                                   kind="marketing", allowed_domains=[], status="approved",
                                   created_by="legacy", decided_by="legacy-checker",
                                   decided_at=now, version=2, created_at=now, updated_at=now))
    await db_session.flush()


@pytest.fixture
async def report_data(reg, client, headers, db_session):
    await reg.port()
    clean = await marketing(reg, client, CLEAN)
    name = (await client.get(f"/v1/organizations/{clean['user_unit_uscc']}",
                             headers=reg.hq)).json()["name"]
    await reg.approved_template(CLEAN, promo(name), kind="marketing")
    await reply(client, headers, CLEAN, "好的", utcnow())
    await marketing(reg, client, LEGACY)
    await legacy_template(db_session, LEGACY, promo("好消息", opt_out=False))
    await marketing(reg, client, SLOW)
    await reg.approved_template(SLOW, promo("某某商城"), kind="marketing")
    # An unclear reply a person decides only later: checks in between were allowed.
    mo = await reply(client, headers, SLOW, "please stop it", utcnow() - dt.timedelta(hours=1))
    assert (await reg.check(promo("某某商城"), number=SLOW))["allowed"] is True
    await client.post(f"/v1/mo-messages/{mo['id']}/decide", json={"opt_out": True},
                      headers=headers("hq_admin", sub="reviewer"))
    assert (await reg.check(promo("某某商城"), number=SLOW))["allowed"] is False


async def report(client, headers, who=None, query=""):
    response = await client.get(f"/v1/reports/commercial-self-check{query}",
                                headers=who or headers("province_operator", province="44"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_each_failure_kind_is_listed(report_data, client, headers):
    items = {i["number"]: i for i in (await report(client, headers))["items"]}
    assert items[CLEAN]["failures"] == []
    assert items[LEGACY]["failures"] == ["signature_not_registered", "signature_not_naming_unit",
                                         "opt_out_instruction_missing", "no_reply_channel"]
    assert items[SLOW]["failures"] == ["opt_out_not_honoured"]
    assert items[SLOW]["opt_outs_not_honoured"] == 1


async def test_totals_per_province(report_data, client, headers):
    [totals] = (await report(client, headers))["totals"]
    assert totals["province"] == "44" and totals["marketing_sub_ports"] == 3
    assert totals["failing"] == 2
    assert totals["failures"]["signature_not_registered"] == 1
    assert totals["failures"]["opt_out_not_honoured"] == 1
    assert totals["opt_outs_not_honoured"] == 1


async def test_a_brand_with_evidence_is_registered_but_not_the_units_name(reg, client,
                                                                          headers):
    await reg.port()
    await marketing(reg, client, CLEAN)
    await reg.approved_template(CLEAN, promo("某某商城"), kind="marketing")
    [item] = (await report(client, headers))["items"]
    assert "signature_not_registered" not in item["failures"]
    assert "signature_not_naming_unit" not in item["failures"]


async def test_service_sub_ports_are_not_inspected(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port(CLEAN)
    assert (await report(client, headers))["items"] == []


async def test_hq_sees_every_province_and_may_filter(report_data, client, headers):
    everything = await report(client, headers, who=headers("hq_admin"))
    assert len(everything["totals"]) == 31
    only = await report(client, headers, who=headers("hq_admin"), query="?province=11")
    assert only["items"] == [] and [t["province"] for t in only["totals"]] == ["11"]


async def test_a_province_sees_only_its_own(report_data, client, headers):
    other = headers("province_operator", province="11")
    assert (await report(client, headers, who=other))["items"] == []
    response = await client.get("/v1/reports/commercial-self-check?province=44", headers=other)
    assert response.status_code == 404


async def test_items_come_a_page_at_a_time(report_data, client, headers):
    first = await report(client, headers, query="?limit=2")
    second = await report(client, headers, query=f"?limit=2&cursor={first['next_cursor']}")
    assert [i["number"] for i in first["items"] + second["items"]] == [CLEAN, LEGACY, SLOW]
    assert second["next_cursor"] is None
