"""A score below the threshold proposes a listing; a person accepts or dismisses it."""

import datetime as dt

from sqlalchemy import func, select

from credit.models import AuditEvent, BlacklistEntry, OutboxEvent

UNIT = "91440300000000001H"


async def report(client, headers, type_):
    response = await client.post("/v1/credit-events", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": UNIT}, "type": type_,
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(), "evidence": "case 17"})
    assert response.status_code == 201, response.text
    return response.json()


async def below_threshold(client, headers):
    await report(client, headers, "sublet_or_transfer")
    return (await report(client, headers, "sublet_or_transfer"))["listing_proposal"]


async def test_later_events_update_the_one_open_proposal(client, headers):
    first = await below_threshold(client, headers)
    later = (await report(client, headers, "spam_complaint"))["listing_proposal"]
    assert later["id"] == first["id"]
    assert (later["score"], len(later["event_ids"])) == (35.0, 2)


async def test_open_proposals_are_listed_for_enforcement(client, headers):
    proposal = await below_threshold(client, headers)
    page = await client.get("/v1/listing-proposals?status=open", headers=headers("enforcement"))
    assert [p["id"] for p in page.json()["items"]] == [proposal["id"]]
    assert page.json()["items"][0]["reason"] == "score 40.0 below 60.0"


async def test_accepting_lists_the_subject_with_the_sanctions_chosen(client, headers,
                                                                    db_session):
    proposal = await below_threshold(client, headers)
    response = await client.post(f"/v1/listing-proposals/{proposal['id']}/accept",
                                 headers=headers("hq_admin", sub="alice"),
                                 json={"reason": "confirmed sublet", "sanctions": [
                                     "restrict_business"]})
    assert response.status_code == 200, response.text
    entry = await db_session.get(BlacklistEntry, response.json()["entry_id"])
    assert (entry.origin, entry.sanctions, entry.listed_by) == (
        "proposal", ["restrict_business"], "alice")
    pushed = await db_session.scalar(select(OutboxEvent).where(
        OutboxEvent.topic == "sanction.applied"))
    assert pushed.payload["sanctions"] == ["restrict_business"]


async def test_dismissing_lists_nobody_and_is_audited(client, headers, db_session):
    proposal = await below_threshold(client, headers)
    response = await client.post(f"/v1/listing-proposals/{proposal['id']}/dismiss",
                                 headers=headers("enforcement", sub="bob"),
                                 json={"reason": "the complaints were a campaign"})
    assert (response.json()["status"], response.json()["decided_by"]) == ("dismissed", "bob")
    assert await db_session.scalar(select(func.count()).select_from(BlacklistEntry)) == 0
    audited = await db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "listing_proposal.dismissed"))
    assert audited.entity_id == proposal["id"]


async def test_a_decided_proposal_is_409(client, headers):
    proposal = await below_threshold(client, headers)
    path = f"/v1/listing-proposals/{proposal['id']}"
    await client.post(path + "/dismiss", headers=headers("enforcement"), json={"reason": "no"})
    again = await client.post(path + "/accept", headers=headers("enforcement"),
                              json={"reason": "yes"})
    assert again.status_code == 409


async def test_only_enforcement_and_hq_admin_decide(client, headers):
    proposal = await below_threshold(client, headers)
    for role in ("auditor", "service"):
        response = await client.post(f"/v1/listing-proposals/{proposal['id']}/accept",
                                     headers=headers(role), json={"reason": "r"})
        assert response.status_code == 403


async def test_unknown_proposal_is_404(client, headers):
    response = await client.post("/v1/listing-proposals/nope/dismiss",
                                 headers=headers("enforcement"), json={"reason": "r"})
    assert response.status_code == 404


async def test_an_unknown_sanction_is_422(client, headers):
    proposal = await below_threshold(client, headers)
    response = await client.post(f"/v1/listing-proposals/{proposal['id']}/accept",
                                 headers=headers("enforcement"),
                                 json={"reason": "r", "sanctions": ["jail"]})
    assert response.status_code == 422


async def test_no_proposal_while_the_subject_is_listed(client, headers):
    await report(client, headers, "real_name_violation")  # listed at once, score 60
    body = await report(client, headers, "spam_complaint")
    assert body["listing_proposal"] is None


async def test_proposals_are_listed_oldest_first_with_a_cursor(client, headers):
    units = ("91440300000000002L", "91440300000000003J", "91440300000000004E")
    for unit in units:
        for _ in range(2):
            await client.post("/v1/credit-events", headers=headers("enforcement"), json={
                "subject": {"kind": "user_unit", "key": unit}, "type": "sublet_or_transfer",
                "occurred_at": dt.datetime.now(dt.UTC).isoformat(), "evidence": "case 17"})
    first = (await client.get("/v1/listing-proposals?limit=2",
                              headers=headers("auditor"))).json()
    rest = (await client.get(f"/v1/listing-proposals?limit=2&cursor={first['next_cursor']}",
                             headers=headers("auditor"))).json()
    assert [p["subject"]["key"] for p in first["items"] + rest["items"]] == list(units)
    assert rest["next_cursor"] is None
