"""Sanctions applied exactly as listed, reported back to credit, and decided by people."""

from sqlalchemy import select

from registry.models import AuditEvent, OutboxEvent

NUMBER = "106901234567"
RESTRICT, SUSPEND = "restrict_business", "suspend_cooperation"


async def active(reg, client, headers, number=NUMBER):
    sub = await reg.complete_sub_port(number)
    response = await client.post(f"/v1/sub-ports/{number}/activate", json={},
                                 headers=headers("hq_admin"))
    assert response.json()["status"] == "active"
    return sub


def sanction(unit, *kinds, blacklist_id="bl-1"):
    return {"blacklist_id": blacklist_id, "subject": {"kind": "user_unit", "key": unit},
            "sanctions": list(kinds), "reason": "诈骗案件"}


async def status(client, headers, number=NUMBER):
    return (await client.get(f"/v1/sub-ports/{number}", headers=headers("hq_admin"))).json()


async def outcomes(db_session):
    rows = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "sanction.outcome").order_by(OutboxEvent.created_at))).scalars()
    return [[(s["number"], s["action"]) for s in row.payload["sub_ports"]] for row in rows]


async def whitelisted_and_spared(reg, client, headers, push):
    await reg.port()
    sub = await active(reg, client, headers)
    await push("whitelist.granted", {"entry_id": "wl-1", "number": NUMBER, "province": "44",
                                     "category": "life_safety"}, source="whitelist")
    await push("sanction.applied", sanction(sub["user_unit_uscc"], SUSPEND, RESTRICT))
    reviews = await client.get("/v1/sanction-reviews?status=open", headers=headers("hq_admin"))
    return reviews.json()["items"][0]


async def test_restrict_business_alone_leaves_live_traffic_alone(reg, client, headers, push,
                                                                 db_session):
    await reg.port()
    sub = await active(reg, client, headers)
    await push("sanction.applied", sanction(sub["user_unit_uscc"], RESTRICT))
    assert (await status(client, headers))["status"] == "active"
    assert await outcomes(db_session) == []


async def test_restrict_business_alone_refuses_a_new_sub_port_and_an_activation(
        reg, client, headers, push):
    await reg.port()
    sub = await active(reg, client, headers)
    await push("sanction.applied", sanction(sub["user_unit_uscc"], RESTRICT))
    new = await client.post("/v1/sub-ports", headers=headers("hq_admin"), json={
        "number": NUMBER + "1", "province": "44", "user_unit_uscc": sub["user_unit_uscc"]})
    assert (new.status_code, new.json()["code"]) == (409, "blacklisted")


async def test_suspend_cooperation_alone_suspends_but_does_not_refuse_registration(
        reg, client, headers, push, db_session):
    await reg.port()
    sub = await active(reg, client, headers)
    await push("sanction.applied", sanction(sub["user_unit_uscc"], SUSPEND))
    new = await client.post("/v1/sub-ports", headers=headers("hq_admin"), json={
        "number": NUMBER + "1", "province": "44", "user_unit_uscc": sub["user_unit_uscc"]})
    resume = await client.post(f"/v1/sub-ports/{NUMBER}/resume", json={"reason": "r"},
                               headers=headers("hq_admin"))
    assert (await status(client, headers))["status"] == "suspended"
    assert new.status_code == 201
    assert (resume.status_code, resume.json()["code"]) == (409, "blacklisted")
    assert await outcomes(db_session) == [[(NUMBER, "suspended")]]


async def test_credit_answering_restrict_business_only_refuses_activation(reg, client,
                                                                        headers, credit):
    await reg.port()
    sub = await reg.complete_sub_port(NUMBER)
    credit.blacklisted.add(("user_unit", sub["user_unit_uscc"]))
    credit.sanctions = [RESTRICT]
    response = await client.post(f"/v1/sub-ports/{NUMBER}/activate", json={},
                                 headers=headers("hq_admin"))
    assert (response.status_code, response.json()["code"]) == (409, "blacklisted")


async def test_credit_answering_suspend_cooperation_only_allows_registration(
        reg, client, headers, credit):
    await reg.port()
    unit = await reg.org()
    credit.blacklisted.add(("user_unit", unit["uscc"]))
    credit.sanctions = [SUSPEND]
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"), json={
        "number": NUMBER, "province": "44", "user_unit_uscc": unit["uscc"]})
    assert response.status_code == 201


async def test_a_spared_whitelisted_sub_port_is_reported_back(reg, client, headers, push,
                                                              db_session):
    await whitelisted_and_spared(reg, client, headers, push)
    assert await outcomes(db_session) == [[(NUMBER, "spared_whitelisted")]]


async def test_keeping_a_spared_sub_port_active_is_decided_and_audited(
        reg, client, headers, push, db_session):
    review = await whitelisted_and_spared(reg, client, headers, push)
    response = await client.post(f"/v1/sanction-reviews/{review['id']}/decide",
                                 headers=headers("whitelist_admin", sub="wl-alice"),
                                 json={"decision": "keep_active", "reason": "地震预警"})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["decided_by"]) == ("decided", "wl-alice")
    audit = await db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "sanction_review.decided"))
    assert (audit.actor, audit.data["decision"]) == ("wl-alice", "keep_active")
    assert (await status(client, headers))["status"] == "active"
    assert (await outcomes(db_session))[-1] == [(NUMBER, "kept_active")]


async def test_deciding_to_suspend_suspends_the_sub_port(reg, client, headers, push,
                                                         db_session):
    review = await whitelisted_and_spared(reg, client, headers, push)
    await client.post(f"/v1/sanction-reviews/{review['id']}/decide",
                      headers=headers("hq_admin"), json={"decision": "suspend", "reason": "r"})
    assert (await status(client, headers))["status"] == "suspended"
    assert (await outcomes(db_session))[-1] == [(NUMBER, "suspended_after_review")]


async def test_the_list_filters_open_and_decided(reg, client, headers, push):
    review = await whitelisted_and_spared(reg, client, headers, push)
    await client.post(f"/v1/sanction-reviews/{review['id']}/decide",
                      headers=headers("hq_admin"), json={"decision": "keep_active",
                                                         "reason": "r"})
    for state, expected in (("open", []), ("decided", [review["id"]])):
        page = await client.get(f"/v1/sanction-reviews?status={state}",
                                headers=headers("whitelist_admin"))
        assert [r["id"] for r in page.json()["items"]] == expected


async def test_a_decided_review_is_409_and_others_may_not_decide(reg, client, headers, push):
    review = await whitelisted_and_spared(reg, client, headers, push)
    path = f"/v1/sanction-reviews/{review['id']}/decide"
    body = {"decision": "keep_active", "reason": "r"}
    refused = await client.post(path, headers=headers("province_operator", province="44"),
                                json=body)
    await client.post(path, headers=headers("hq_admin"), json=body)
    again = await client.post(path, headers=headers("hq_admin"), json=body)
    assert (refused.status_code, again.status_code) == (403, 409)


async def test_another_provinces_review_is_404(reg, client, headers, push):
    review = await whitelisted_and_spared(reg, client, headers, push)
    response = await client.post(f"/v1/sanction-reviews/{review['id']}/decide",
                                 headers=headers("whitelist_admin", province="11"),
                                 json={"decision": "keep_active", "reason": "r"})
    assert response.status_code == 404
