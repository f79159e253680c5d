import datetime as dt
import logging

import pytest
from sqlalchemy import select

from porttrust_shared.db import utcnow
from registry.models import AuditEvent, Complaint, Handler, OutboxEvent

NUMBER = "106901234567"
REPORTER = "13912345678"


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def _days_ago(days: float) -> str:
    return _iso(utcnow() - dt.timedelta(days=days))


@pytest.fixture
async def sub_port(sub_port_60_days_old):
    return sub_port_60_days_old


async def _complain(client, headers, *, reporter=REPORTER, received_at=None, number=NUMBER,
                    role="gateway", province="HQ"):
    body = {"number": number, "reporter": reporter, "content": "【某商城】全场特价，点击领取",
            "received_at": received_at or _days_ago(1)}
    return await client.post("/v1/complaints", json=body, headers=headers(role, province=province))


async def _complain_from(client, headers, n, **kw):
    return await _complain(client, headers, reporter=f"1391234{n:04d}", **kw)


async def _credit_events(db_session):
    rows = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "credit_event.reported"))).scalars().all()
    return [r.payload for r in rows]


async def test_complaint_answers_with_the_trace_of_the_number(sub_port, client, headers):
    response = await _complain(client, headers)
    body = response.json()
    assert response.status_code == 201
    assert body["traced"] is True
    assert body["complaint_id"]
    assert body["sub_port"]["machine_room"] == "广州南方基地A3"
    assert body["sub_port"]["equipment"] == "SMSC-GZ-07"
    assert body["user_unit"]["uscc"] == sub_port["user_unit_uscc"]
    assert body["holder"]["uscc"]
    assert body["handler"]["name"] == "张*"


async def test_complaint_is_traced_at_received_at_not_now(sub_port, reg, client, headers):
    got = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    other = await reg.org()
    await client.patch(f"/v1/sub-ports/{NUMBER}", json={"user_unit_uscc": other["uscc"]},
                       headers={**headers("hq_admin"), "If-Match": got.headers["ETag"]})
    response = await _complain(client, headers, received_at=_days_ago(2))
    assert response.json()["user_unit"]["uscc"] == sub_port["user_unit_uscc"]


async def test_complaint_is_forwarded_to_credit_once_per_subject(
        sub_port, client, headers, db_session):
    received = _days_ago(1)
    body = (await _complain(client, headers, received_at=received)).json()
    handler = await db_session.get(Handler, sub_port["handler_id"])
    events = await _credit_events(db_session)
    assert [e["subject"] for e in events] == [
        {"kind": "holder", "key": body["holder"]["uscc"]},
        {"kind": "user_unit", "key": sub_port["user_unit_uscc"]},
        {"kind": "handler", "id_number_index": handler.id_number_index}]
    assert {e["type"] for e in events} == {"spam_complaint"}
    assert {e["source_ref"] for e in events} == {f"registry:complaint:{body['complaint_id']}"}
    assert dt.datetime.fromisoformat(events[0]["occurred_at"]) == dt.datetime.fromisoformat(
        received)


async def test_forwarded_evidence_names_the_sub_port_but_not_the_reporter(
        sub_port, client, headers, db_session):
    await _complain(client, headers)
    events = await _credit_events(db_session)
    assert events[0]["evidence"]["sub_port"] == NUMBER
    assert REPORTER not in str(events)


async def test_reporter_is_masked_in_the_answer_and_the_list(sub_port, client, headers):
    created = await _complain(client, headers)
    listed = await client.get("/v1/complaints", headers=headers("hq_admin"))
    assert created.json()["reporter"] == "139****5678"
    assert listed.json()["items"][0]["reporter"] == "139****5678"
    assert REPORTER not in created.text + listed.text


async def test_reporter_is_stored_encrypted_with_a_blind_index(
        sub_port, app, client, headers, db_session):
    created = (await _complain(client, headers)).json()
    row = await db_session.get(Complaint, created["complaint_id"])
    assert REPORTER not in row.reporter_enc
    assert row.reporter_index == app.state.cipher.blind_index(REPORTER, field="phone")


async def test_reporter_phone_never_reaches_the_logs(sub_port, client, headers, caplog):
    caplog.set_level(logging.DEBUG)
    await _complain(client, headers)
    await _complain(client, headers, reporter="1391234567")
    await client.get("/v1/complaints", headers=headers("hq_admin"))
    assert REPORTER not in caplog.text
    assert "1391234567" not in caplog.text


async def test_a_bad_reporter_is_422_without_echoing_it(sub_port, client, headers):
    response = await _complain(client, headers, reporter="1391234567")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "1391234567" not in response.text


async def test_unknown_fields_are_rejected(client, headers):
    body = {"number": NUMBER, "reporter": REPORTER, "content": "x",
            "received_at": _days_ago(1), "extra": "y"}
    response = await client.post("/v1/complaints", json=body, headers=headers("gateway"))
    assert response.status_code == 422


async def test_a_complaint_from_the_future_is_422(client, headers):
    response = await _complain(client, headers, received_at=_iso(utcnow() + dt.timedelta(1)))
    assert response.status_code == 422


async def test_an_auditor_cannot_file_a_complaint(client, headers):
    response = await _complain(client, headers, role="auditor")
    assert response.status_code == 403


async def test_four_valid_complaints_in_ten_days_open_no_review(sub_port, client, headers):
    for n in range(4):
        response = await _complain_from(client, headers, n, received_at=_days_ago(n + 1))
        assert response.json()["review_id"] is None
    reviews = await client.get("/v1/complaint-reviews", params={"sub_port": NUMBER},
                               headers=headers("hq_admin"))
    assert reviews.json()["items"] == []


async def test_the_fifth_valid_complaint_in_ten_days_opens_a_review(
        sub_port, client, headers, db_session):
    for n in range(4):
        await _complain_from(client, headers, n, received_at=_days_ago(n + 1))
    fifth = await _complain_from(client, headers, 4, received_at=_days_ago(0.5))
    reviews = await client.get("/v1/complaint-reviews", params={"sub_port": NUMBER},
                               headers=headers("hq_admin"))
    assert reviews.json()["items"][0]["id"] == fifth.json()["review_id"]
    assert reviews.json()["items"][0]["complaint_count"] == 5


async def test_opening_a_review_is_audited_and_does_not_suspend(
        sub_port, client, headers, db_session):
    for n in range(5):
        await _complain_from(client, headers, n, received_at=_days_ago(n + 1))
    audited = (await db_session.execute(select(AuditEvent.entity_id).where(
        AuditEvent.action == "sub_port.complaint_review_opened"))).scalars().all()
    sub = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    assert audited == [NUMBER]
    assert sub.json()["status"] == sub_port["status"]


async def test_complaints_older_than_the_window_are_not_counted(sub_port, client, headers):
    for n in range(2):
        await _complain_from(client, headers, n, received_at=_days_ago(15 + n))
    for n in range(2, 6):
        last = await _complain_from(client, headers, n, received_at=_days_ago(6 - n))
    assert last.json()["valid"] is True
    assert last.json()["review_id"] is None


async def test_repeat_complaints_by_one_reporter_count_once(sub_port, client, headers):
    for n in range(5):
        last = await _complain(client, headers, received_at=_days_ago(n + 1))
    assert last.json()["valid"] is False
    assert last.json()["review_id"] is None


async def test_repeat_complaints_reach_credit_once(sub_port, client, headers, db_session):
    for n in range(9):
        await _complain(client, headers, received_at=_days_ago(0.01 - n / 86400))
    events = await _credit_events(db_session)
    assert len({e["source_ref"] for e in events}) == 1


async def test_a_review_is_opened_once_while_it_is_open(sub_port, client, headers):
    for n in range(6):
        await _complain_from(client, headers, n, received_at=_days_ago(n * 0.1))
    reviews = await client.get("/v1/complaint-reviews", headers=headers("hq_admin"))
    assert len(reviews.json()["items"]) == 1


async def test_a_complaint_on_an_unregistered_number_is_kept_untraced_and_not_forwarded(
        client, headers, db_session):
    response = await _complain(client, headers, number="106999999999")
    body = response.json()
    assert response.status_code == 201
    assert (body["traced"], body["valid"], body["sub_port"]) == (False, False, None)
    assert await _credit_events(db_session) == []


async def test_a_province_operator_cannot_trace_another_provinces_number(
        sub_port, client, headers, db_session):
    response = await _complain(client, headers, role="province_operator", province="11")
    body = response.json()
    assert (body["traced"], body["holder"], body["handler"]) == (False, None, None)
    assert await _credit_events(db_session) == []


async def test_another_provinces_complaint_answers_404(sub_port, client, headers):
    created = (await _complain(client, headers)).json()
    path = f"/v1/complaints/{created['complaint_id']}"
    theirs = await client.get(path, headers=headers("province_operator", province="11"))
    ours = await client.get(path, headers=headers("province_operator", province="44"))
    assert (theirs.status_code, ours.status_code) == (404, 200)
    assert theirs.headers["content-type"] == "application/problem+json"


async def test_the_list_shows_only_the_callers_province(sub_port, client, headers):
    await _complain(client, headers)
    theirs = await client.get("/v1/complaints", headers=headers("province_operator",
                                                                 province="11"))
    ours = await client.get("/v1/complaints", headers=headers("province_operator",
                                                               province="44"))
    assert theirs.json()["items"] == []
    assert [c["number"] for c in ours.json()["items"]] == [NUMBER]


async def test_the_list_pages_newest_first_with_a_cursor(sub_port, client, headers):
    ids = [(await _complain_from(client, headers, n, received_at=_days_ago(3 - n))).json()[
        "complaint_id"] for n in range(3)]
    first = await client.get("/v1/complaints", params={"limit": 2},
                             headers=headers("hq_admin"))
    second = await client.get("/v1/complaints",
                              params={"limit": 2, "cursor": first.json()["next_cursor"]},
                              headers=headers("hq_admin"))
    seen = [c["id"] for c in first.json()["items"] + second.json()["items"]]
    assert seen == ids[::-1]
    assert second.json()["next_cursor"] is None


async def test_the_list_filters_by_sub_port(sub_port, client, headers):
    await _complain(client, headers)
    await _complain(client, headers, number="106999999999")
    response = await client.get("/v1/complaints", params={"sub_port": NUMBER},
                                headers=headers("hq_admin"))
    assert [c["sub_port_number"] for c in response.json()["items"]] == [NUMBER]


async def test_an_edited_cursor_is_400(client, headers):
    response = await client.get("/v1/complaints", params={"cursor": "bm90LWEtY3Vyc29y"},
                                headers=headers("hq_admin"))
    assert response.status_code == 400


async def test_a_repeated_idempotency_key_replays_without_a_second_complaint(
        sub_port, client, headers, db_session):
    body = {"number": NUMBER, "reporter": REPORTER, "content": "spam",
            "received_at": _days_ago(1)}
    sent = {**headers("gateway", sub="gw-1"), "Idempotency-Key": "c-1"}
    first = await client.post("/v1/complaints", json=body, headers=sent)
    again = await client.post("/v1/complaints", json=body, headers=sent)
    stored = (await db_session.execute(select(Complaint.id))).scalars().all()
    assert again.json()["complaint_id"] == first.json()["complaint_id"]
    assert stored == [first.json()["complaint_id"]]


async def test_a_complaint_on_a_port_number_is_kept_but_not_forwarded(
        sub_port, client, headers, db_session):
    # Only valid complaints reach credit: one traced to a port, not a sub-port, counts
    # toward no sub-port's review and lowers nobody's score.
    body = (await _complain(client, headers, number="10690123")).json()
    assert (body["matched"], body["valid"]) == ("port", False)
    assert await _credit_events(db_session) == []
