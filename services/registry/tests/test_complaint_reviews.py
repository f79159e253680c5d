"""Closing a complaint review: confirmed reaches credit once per subject; then a new one may
open from later complaints."""

import datetime as dt

import pytest
from sqlalchemy import select

from porttrust_shared.db import utcnow
from registry.models import AuditEvent, Handler, OutboxEvent

NUMBER = "106901234567"


@pytest.fixture
async def sub_port(sub_port_60_days_old):
    return sub_port_60_days_old


async def complaint(client, headers, serial, days_ago):
    received = (utcnow() - dt.timedelta(days=days_ago)).isoformat()
    response = await client.post("/v1/complaints", headers=headers("gateway"), json={
        "number": NUMBER, "reporter": f"1391234{serial:04d}", "content": "【某商城】特价",
        "received_at": received})
    assert response.status_code == 201, response.text
    return response.json()


async def review_after_five(client, headers, first=0, days_ago=5.0):
    for n in range(first, first + 5):
        last = await complaint(client, headers, n, days_ago - (n - first) * 0.1)
    assert last["review_id"] is not None
    return last["review_id"]


async def close(client, headers, review_id, outcome="confirmed", role="hq_admin", **kw):
    return await client.post(f"/v1/complaint-reviews/{review_id}/close",
                             headers=headers(role, **kw),
                             json={"outcome": outcome, "reason": "核实为营销骚扰"})


async def confirmed_events(db_session):
    rows = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "credit_event.reported"))).scalars().all()
    return [r.payload for r in rows if r.payload["type"] == "complaint_review_confirmed"]


async def test_confirming_a_review_sends_one_credit_event_per_subject(
        sub_port, client, headers, db_session):
    review_id = await review_after_five(client, headers)
    response = await close(client, headers, review_id)
    handler = await db_session.get(Handler, sub_port["handler_id"])
    events = await confirmed_events(db_session)
    assert (response.status_code, response.json()["outcome"]) == (200, "confirmed")
    assert [e["subject"]["kind"] for e in events] == ["holder", "user_unit", "handler"]
    assert events[2]["subject"] == {"kind": "handler",
                                    "id_number_index": handler.id_number_index}
    assert {e["source_ref"] for e in events} == {f"registry:complaint-review:{review_id}"}


async def test_the_evidence_names_the_review_and_its_complaints_not_the_reporters(
        sub_port, client, headers, db_session):
    review_id = await review_after_five(client, headers)
    await close(client, headers, review_id)
    evidence = (await confirmed_events(db_session))[0]["evidence"]
    assert (evidence["review_id"], evidence["complaint_count"]) == (review_id, 5)
    assert len(evidence["complaint_ids"]) == 5
    assert "1391234" not in str(evidence)


async def test_dismissing_a_review_sends_nothing_and_is_audited(
        sub_port, client, headers, db_session):
    review_id = await review_after_five(client, headers)
    response = await close(client, headers, review_id, outcome="dismissed")
    audit = await db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "complaint_review.closed"))
    assert response.json()["status"] == "closed"
    assert await confirmed_events(db_session) == []
    assert (audit.entity_id, audit.data["outcome"]) == (str(review_id), "dismissed")


async def test_a_closed_review_is_409(sub_port, client, headers):
    review_id = await review_after_five(client, headers)
    await close(client, headers, review_id)
    assert (await close(client, headers, review_id)).status_code == 409


async def test_after_closing_a_later_series_opens_a_new_review(sub_port, client, headers):
    first = await review_after_five(client, headers, days_ago=5.0)
    await close(client, headers, first)
    one_more = await complaint(client, headers, 50, 2.0)
    assert one_more["review_id"] is None  # the closed review's complaints do not count again
    for n in range(60, 64):
        await complaint(client, headers, n, 1.5 - (n - 60) * 0.1)
    page = await client.get("/v1/complaint-reviews?status=open", headers=headers("hq_admin"))
    assert [(r["id"] != first, r["complaint_count"]) for r in page.json()["items"]] == [
        (True, 5)]


async def test_another_province_cannot_close_and_an_auditor_may_not(sub_port, client, headers):
    review_id = await review_after_five(client, headers)
    other = await close(client, headers, review_id, role="province_operator", province="11")
    auditor = await close(client, headers, review_id, role="auditor")
    assert (other.status_code, auditor.status_code) == (404, 403)


async def test_the_list_filters_closed_reviews(sub_port, client, headers):
    review_id = await review_after_five(client, headers)
    await close(client, headers, review_id)
    page = await client.get("/v1/complaint-reviews?status=closed", headers=headers("hq_admin"))
    assert [r["id"] for r in page.json()["items"]] == [review_id]


@pytest.mark.parametrize("review_id", [0, 2**31, 20496738966, 2**63])
async def test_an_id_past_any_review_is_404_not_500(client, headers, review_id):
    """The fuzzer's finding: PostgreSQL refused to compare 20496738966 with the id column."""
    assert (await close(client, headers, review_id)).status_code == 404
    decided = await client.post(f"/v1/sanction-reviews/{review_id}/decide",
                                headers=headers("hq_admin"),
                                json={"decision": "keep_active", "reason": "核实"})
    assert decided.status_code == 404
