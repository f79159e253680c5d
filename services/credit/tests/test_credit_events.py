import datetime as dt

from sqlalchemy import func, select

from credit.models import BlacklistEntry

UNIT = "91440300000000001H"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def report(client, headers, type_, *, occurred_at=None, subject=None, role="enforcement"):
    return await client.post("/v1/credit-events", headers=headers(role), json={
        "subject": subject or {"kind": "user_unit", "key": UNIT}, "type": type_,
        "occurred_at": (occurred_at or now()).isoformat(), "evidence": "complaint 17"})


async def test_an_event_lowers_the_score_by_its_weight(client, headers):
    response = await report(client, headers, "out_of_scope_use")
    assert response.status_code == 201
    assert response.json()["score"] == 80.0
    assert response.json()["level"] == "B"


async def test_the_subject_record_shows_score_level_and_history(client, headers):
    await report(client, headers, "spam_complaint")
    record = (await client.get(f"/v1/subjects/user_unit/{UNIT}", headers=headers("auditor")))
    body = record.json()
    assert (body["score"], body["level"], body["blacklisted"]) == (95.0, "A", False)
    assert [e["type"] for e in body["events"]] == ["spam_complaint"]


async def test_the_score_recovers_with_time(client, headers):
    await report(client, headers, "out_of_scope_use", occurred_at=now() - dt.timedelta(days=60))
    body = (await client.get(f"/v1/subjects/user_unit/{UNIT}", headers=headers("auditor"))).json()
    assert body["score"] == 90.0


async def test_score_at_a_past_moment_ignores_later_events(client, headers):
    await report(client, headers, "spam_complaint")
    earlier = (now() - dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    body = (await client.get(f"/v1/subjects/user_unit/{UNIT}?at={earlier}",
                             headers=headers("auditor"))).json()
    assert body["score"] == 100.0


async def test_score_at_a_bare_number_is_refused_not_read_as_unix_time(client, headers):
    await report(client, headers, "spam_complaint")
    for at in ("0", "2026", "1700000000"):
        response = await client.get(f"/v1/subjects/user_unit/{UNIT}?at={at}",
                                    headers=headers("auditor"))
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_event_before_the_year_1_in_utc_is_422(client, headers):
    response = await client.post("/v1/credit-events", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": UNIT}, "type": "spam_complaint",
        "occurred_at": "0001-01-01T00:00:00+23:59", "evidence": "complaint 17"})
    assert response.status_code == 422


async def test_a_real_name_violation_blacklists_at_once(client, headers):
    response = await report(client, headers, "real_name_violation")
    assert response.json()["blacklist_entry"]["origin"] == "event"


async def test_a_minor_event_does_not_blacklist(client, headers):
    response = await report(client, headers, "spam_complaint")
    assert response.json()["blacklist_entry"] is None


async def test_falling_below_the_threshold_proposes_a_listing_and_lists_nobody(
        client, headers, db_session):
    for _ in range(2):
        await report(client, headers, "sublet_or_transfer")  # 100 - 30 - 30 = 40 < 60
    response = await report(client, headers, "spam_complaint")
    body = response.json()
    assert body["blacklist_entry"] is None
    assert (body["listing_proposal"]["status"], body["listing_proposal"]["score"]) == ("open", 35.0)
    assert await db_session.scalar(select(func.count()).select_from(BlacklistEntry)) == 0
    check = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "user_unit", "key": UNIT}]})
    assert check.json()["results"][0]["blacklisted"] is False


async def test_repeated_triggers_keep_one_active_entry(client, headers, db_session):
    for _ in range(3):
        await report(client, headers, "real_name_violation")
    assert await db_session.scalar(select(func.count()).select_from(BlacklistEntry)) == 1


async def test_an_unknown_event_type_is_422(client, headers):
    response = await report(client, headers, "jaywalking")
    assert response.status_code == 422


async def test_an_event_in_the_future_is_422(client, headers):
    response = await report(client, headers, "spam_complaint",
                            occurred_at=now() + dt.timedelta(days=1))
    assert response.status_code == 422


async def test_an_event_without_timezone_is_422(client, headers):
    response = await client.post("/v1/credit-events", headers=headers("service"), json={
        "subject": {"kind": "user_unit", "key": UNIT}, "type": "spam_complaint",
        "occurred_at": "2026-01-01T00:00:00", "evidence": "e"})
    assert response.status_code == 422


async def test_an_invalid_uscc_shape_is_422(client, headers):
    response = await report(client, headers, "spam_complaint",
                            subject={"kind": "holder", "key": "NOT-A-USCC"})
    assert response.status_code == 422


async def test_an_idempotency_key_replays_instead_of_recording_twice(client, headers,
                                                                     db_session):
    body = {"subject": {"kind": "user_unit", "key": UNIT}, "type": "spam_complaint",
            "occurred_at": now().isoformat(), "evidence": "e"}
    auth = headers("service", sub="registry") | {"Idempotency-Key": "k-1"}
    first = await client.post("/v1/credit-events", headers=auth, json=body)
    again = await client.post("/v1/credit-events", headers=auth, json=body)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
