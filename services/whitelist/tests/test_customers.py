"""Whitelist by customer: an entry on a USCC covers every sub-port the unit uses, now and
later (registry tells whitelist which unit a sub-port serves); category `other` needs HQ."""

import uuid

from sqlalchemy import select

from porttrust_dev.testdata import uscc
from whitelist.models import OutboxEvent

CUSTOMER, OTHER_UNIT = uscc(1), uscc(2)
FIRST, LATER = "106901234567", "106901234599"


def body(**fields):
    return {"uscc": CUSTOMER, "category": "government_regulatory",
            "justification": "市应急管理局 预警发布", "province": "44", **fields}


async def apply(client, headers, **fields):
    return await client.post("/v1/applications", json=body(**fields),
                             headers=headers("whitelist_admin", sub="user:applicant"))


async def grant(wl, client, headers, **fields):
    created = await apply(client, headers, **fields)
    assert created.status_code == 201, created.text
    approved = await wl.approve(created.json()["id"])
    assert approved.status_code == 200, approved.text
    return approved.json()


async def units(client, headers, *pairs):
    """Registry's `sub_port.units` event, as its relay delivers it."""
    response = await client.post("/v1/events", headers=headers("service"), json={
        "id": uuid.uuid4().hex, "source": "registry", "topic": "sub_port.units",
        "created_at": "2026-12-01T00:00:00Z", "payload": {"items": [
            {"number": n, "user_unit_uscc": u, "province": "44"} for n, u in pairs]}})
    assert response.status_code in (200, 202), response.text


async def status(client, headers, number):
    return (await client.get(f"/v1/status/{number}", headers=headers("gateway"))).json()


async def test_an_application_names_a_customer(client, headers):
    response = await apply(client, headers)
    assert response.status_code == 201, response.text
    assert response.json()["uscc"] == CUSTOMER and response.json()["number"] is None


async def test_exactly_one_of_number_and_uscc(client, headers):
    both = await apply(client, headers, number=FIRST)
    neither = await client.post("/v1/applications", headers=headers("whitelist_admin"),
                                json={**body(), "uscc": None})
    assert both.status_code == neither.status_code == 422


async def test_a_malformed_uscc_is_422_without_echo(client, headers):
    response = await apply(client, headers, uscc="NOT-A-USCC-AT-ALL!")
    assert response.status_code == 422 and "NOT-A-USCC" not in response.text


async def test_approval_tells_registry_about_the_customer(wl, client, headers, db_session):
    granted = await grant(wl, client, headers)
    event = await db_session.scalar(select(OutboxEvent).where(
        OutboxEvent.topic == "whitelist.granted"))
    assert event.payload["uscc"] == CUSTOMER and event.payload["number"] is None
    assert event.payload["entry_id"] == granted["entry_id"]


async def test_the_customers_sub_ports_are_whitelisted_now_and_later(wl, client, headers):
    await units(client, headers, (FIRST, CUSTOMER))
    granted = await grant(wl, client, headers)
    assert (await status(client, headers, FIRST))["uscc"] == CUSTOMER
    assert (await status(client, headers, LATER))["whitelisted"] is False
    await units(client, headers, (LATER, CUSTOMER))  # registered after the entry
    later = await status(client, headers, LATER)
    assert later["whitelisted"] is True and later["entry_id"] == granted["entry_id"]
    batch = await client.post("/v1/status/batch", json={"numbers": [FIRST, LATER]},
                              headers=headers("gateway"))
    assert [r["whitelisted"] for r in batch.json()["results"]] == [True, True]


async def test_a_sub_port_that_changes_unit_is_no_longer_covered(wl, client, headers):
    await units(client, headers, (FIRST, CUSTOMER))
    await grant(wl, client, headers)
    await units(client, headers, (FIRST, OTHER_UNIT))
    assert (await status(client, headers, FIRST))["whitelisted"] is False
    await units(client, headers, (FIRST, None))
    assert (await status(client, headers, FIRST))["whitelisted"] is False


async def test_an_entry_on_the_number_answers_before_the_customers(wl, client, headers):
    await units(client, headers, (FIRST, CUSTOMER))
    on_number = await wl.grant(FIRST, category="life_safety")
    await grant(wl, client, headers)
    answer = await status(client, headers, FIRST)
    assert answer["entry_id"] == on_number["entry_id"] and answer["uscc"] is None


async def test_a_number_the_customer_entry_covers_is_already_whitelisted(wl, client,
                                                                         headers):
    await units(client, headers, (FIRST, CUSTOMER))
    await grant(wl, client, headers)
    response = await client.post("/v1/applications", json=wl.body(FIRST),
                                 headers=headers("whitelist_admin", sub="user:applicant"))
    assert response.status_code == 409


async def test_a_customer_is_applied_for_once(wl, client, headers):
    await apply(client, headers)
    assert (await apply(client, headers)).status_code == 409
    await grant(wl, client, headers, uscc=OTHER_UNIT)
    assert (await apply(client, headers, uscc=OTHER_UNIT)).status_code == 409


async def test_entries_and_applications_filter_by_customer(wl, client, headers):
    await grant(wl, client, headers)
    listed = await client.get(f"/v1/entries?uscc={CUSTOMER}", headers=headers("hq_admin"))
    assert [e["uscc"] for e in listed.json()["items"]] == [CUSTOMER]
    apps = await client.get(f"/v1/applications?uscc={CUSTOMER}", headers=headers("hq_admin"))
    assert len(apps.json()["items"]) == 1


async def test_category_other_needs_an_approver_at_hq(client, headers):
    created = await apply(client, headers, category="other",
                          justification="供水集团 停水通知（《通知》所列“等”）")
    assert created.status_code == 201, created.text
    province_approver = headers("whitelist_admin", province="44", sub="user:province-approver")
    refused = await client.post(f"/v1/applications/{created.json()['id']}/approve",
                                json={}, headers=province_approver)
    assert refused.status_code == 403 and refused.json()["code"] == "hq_approval_required"
    approved = await client.post(f"/v1/applications/{created.json()['id']}/approve",
                                 json={}, headers=headers("hq_admin", sub="user:hq-approver"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


async def test_category_other_still_needs_a_justification(client, headers):
    response = await apply(client, headers, category="other", justification="   ")
    assert response.status_code == 422


async def test_the_same_person_still_cannot_approve(client, headers):
    created = await apply(client, headers)
    response = await client.post(f"/v1/applications/{created.json()['id']}/approve",
                                 json={}, headers=headers("hq_admin", sub="user:applicant"))
    assert response.status_code == 403


async def test_a_malformed_units_event_is_422(client, headers):
    response = await client.post("/v1/events", headers=headers("service"), json={
        "id": uuid.uuid4().hex, "source": "registry", "topic": "sub_port.units",
        "created_at": "2026-12-01T00:00:00Z", "payload": {"items": [{"x": 1}]}})
    assert response.status_code == 422
