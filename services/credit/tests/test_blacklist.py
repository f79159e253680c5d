import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from credit.deps import CreditState
from credit.models import AuditEvent, BlacklistEntry, OutboxEvent
from credit.service.blacklist import release_expired
from porttrust_shared.pagination import encode_cursor

UNIT, UNIT_2 = "91440300000000001H", "91440300000000002L"
COMPANY_A, COMPANY_B, HOLDER = "91440300000000004T", "91440300000000005X", "91440300000000003P"
ID_A = "11010519491231002X"


def entry(subject, **extra):
    return {"subject": subject, "reason": "forged licence", "evidence": "ticket 42", **extra}


async def add(client, headers, subject, *, sub="officer-1", **extra):
    return await client.post("/v1/blacklist", json=entry(subject, **extra),
                             headers=headers("enforcement", sub=sub))


async def check(client, headers, subject):
    response = await client.post("/v1/blacklist/check", json={"subjects": [subject]},
                                 headers=headers("service"))
    return response.json()["results"][0]


async def test_manual_entry_blacklists_the_subject(client, headers):
    created = await add(client, headers, {"kind": "user_unit", "key": UNIT})
    assert created.status_code == 201
    result = await check(client, headers, {"kind": "user_unit", "key": UNIT})
    assert result["blacklisted"] is True
    assert result["entry_id"] == created.json()["id"]


async def test_manual_entry_pushes_sanction_applied_to_registry(client, headers, db_session):
    created = (await add(client, headers, {"kind": "holder", "key": HOLDER})).json()
    event = await db_session.scalar(select(OutboxEvent))
    assert event.topic == "sanction.applied"
    assert event.payload == {"blacklist_id": created["id"],
                             "subject": {"kind": "holder", "key": HOLDER},
                             "sanctions": ["suspend_cooperation", "restrict_business"],
                             "reason": "forged licence", "case_ref": None}


async def test_listing_a_subject_already_listed_is_a_conflict(client, headers):
    first = await add(client, headers, {"kind": "user_unit", "key": UNIT})
    again = await add(client, headers, {"kind": "user_unit", "key": UNIT})
    assert again.status_code == 409
    assert again.json()["entry_id"] == first.json()["id"]


async def test_handler_listed_through_company_a_is_refused_for_company_b(
        client, headers, registry, index, trace_body):
    registry(lambda request: httpx.Response(200, json=trace_body(
        "106901234567", holder=HOLDER, user_unit=COMPANY_A, handler_index=index(ID_A))))
    await client.post("/v1/fraud-cases", headers=headers("enforcement"), json={
        "number": "106901234567", "occurred_at": "2026-10-01T00:00:00Z", "case_ref": "C-1"})
    # Registry checks the same person now registering for company B.
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "user_unit", "key": COMPANY_B}, {"kind": "handler", "key": ID_A}]})
    assert [r["blacklisted"] for r in response.json()["results"]] == [False, True]


async def test_handler_listed_by_id_number_is_found_by_its_index(client, headers, index):
    await add(client, headers, {"kind": "handler", "key": ID_A})
    result = await check(client, headers, {"kind": "handler", "id_number_index": index(ID_A)})
    assert result["blacklisted"] is True


async def test_lift_by_the_person_who_listed_is_refused(client, headers):
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT}, sub="alice")).json()
    response = await client.post(f"/v1/blacklist/{created['id']}/lift", json={"reason": "error"},
                                 headers=headers("enforcement", sub="alice"))
    assert response.status_code == 403
    assert (await check(client, headers, {"kind": "user_unit", "key": UNIT}))["blacklisted"]


async def test_lift_by_a_second_person_succeeds(client, headers):
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT}, sub="alice")).json()
    response = await client.post(f"/v1/blacklist/{created['id']}/lift", json={"reason": "error"},
                                 headers=headers("hq_admin", sub="bob"))
    assert response.status_code == 200
    assert response.json()["status"] == "lifted"
    assert response.json()["lifted_by"] == "bob"
    assert not (await check(client, headers, {"kind": "user_unit", "key": UNIT}))["blacklisted"]


async def test_lift_sends_sanction_lifted(client, headers, db_session):
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT}, sub="alice")).json()
    await client.post(f"/v1/blacklist/{created['id']}/lift", json={"reason": "error"},
                      headers=headers("hq_admin", sub="bob"))
    lifted = await db_session.scalar(select(OutboxEvent).where(
        OutboxEvent.topic == "sanction.lifted"))
    assert lifted.payload == {"blacklist_id": created["id"],
                              "subject": {"kind": "user_unit", "key": UNIT}}


async def test_lift_needs_a_reason(client, headers):
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT}, sub="alice")).json()
    response = await client.post(f"/v1/blacklist/{created['id']}/lift", json={},
                                 headers=headers("hq_admin", sub="bob"))
    assert response.status_code == 422


async def test_lifting_twice_is_a_conflict(client, headers):
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT}, sub="alice")).json()
    for _ in range(2):
        response = await client.post(f"/v1/blacklist/{created['id']}/lift",
                                     json={"reason": "error"},
                                     headers=headers("hq_admin", sub="bob"))
    assert response.status_code == 409


async def test_lifting_an_unknown_entry_is_404(client, headers):
    response = await client.post("/v1/blacklist/" + "0" * 32 + "/lift", json={"reason": "x"},
                                 headers=headers("hq_admin"))
    assert response.status_code == 404


async def test_expired_entry_no_longer_counts(client, headers, db_session):
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT},
                         expires_at=soon.isoformat())).json()
    row = await db_session.get(BlacklistEntry, created["id"])
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await db_session.flush()
    assert not (await check(client, headers, {"kind": "user_unit", "key": UNIT}))["blacklisted"]


async def test_expiry_in_the_past_is_refused(client, headers):
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    response = await add(client, headers, {"kind": "user_unit", "key": UNIT}, expires_at=past)
    assert response.status_code == 422


async def test_expiry_sweep_sends_sanction_lifted_once(client, headers, db_session, app):
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT},
                         expires_at=soon.isoformat())).json()
    row = await db_session.get(BlacklistEntry, created["id"])
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    swept = [await release_expired(db_session, ctx=CreditState.of(app).credit) for _ in range(2)]
    lifted = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "sanction.lifted"))).scalars().all()
    assert swept == [1, 0]
    assert [e.payload["blacklist_id"] for e in lifted] == [created["id"]]


async def test_blacklist_lists_newest_first_with_a_cursor(client, headers):
    for uscc in (UNIT, UNIT_2, HOLDER):
        await add(client, headers, {"kind": "user_unit", "key": uscc})
    first = (await client.get("/v1/blacklist?limit=2", headers=headers("auditor"))).json()
    rest = (await client.get(f"/v1/blacklist?limit=2&cursor={first['next_cursor']}",
                             headers=headers("auditor"))).json()
    keys = [e["subject"]["key"] for e in first["items"] + rest["items"]]
    assert keys == [HOLDER, UNIT_2, UNIT]
    assert rest["next_cursor"] is None


async def test_blacklist_filters_by_status(client, headers):
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT}, sub="alice")).json()
    await add(client, headers, {"kind": "user_unit", "key": UNIT_2})
    await client.post(f"/v1/blacklist/{created['id']}/lift", json={"reason": "error"},
                      headers=headers("hq_admin", sub="bob"))
    lifted = (await client.get("/v1/blacklist?status=lifted", headers=headers("auditor"))).json()
    assert [e["id"] for e in lifted["items"]] == [created["id"]]


@pytest.mark.parametrize("path", ["/v1/blacklist", "/v1/listing-proposals"])
async def test_a_limit_below_1_is_422_like_every_other_listing(client, headers, path):
    response = await client.get(f"{path}?limit=0", headers=headers("auditor"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_made_up_cursor_is_400(client, headers):
    response = await client.get("/v1/blacklist?cursor=bm90LWEtY3Vyc29y",
                                headers=headers("auditor"))
    assert response.status_code == 400


async def test_listing_and_lifting_are_audited_in_a_valid_chain(client, headers, db_session):
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT}, sub="alice")).json()
    await client.post(f"/v1/blacklist/{created['id']}/lift", json={"reason": "error"},
                      headers=headers("hq_admin", sub="bob"))
    actions = (await db_session.execute(select(AuditEvent.action).where(
        AuditEvent.entity_id == created["id"]).order_by(AuditEvent.seq))).scalars().all()
    verify = await client.get("/v1/audit-events/verify", headers=headers("auditor"))
    assert actions == ["blacklist.listed", "blacklist.lifted"]
    assert verify.json()["ok"] is True


async def test_lift_by_an_identity_the_lister_created_is_refused(client, headers):
    created = (await add(client, headers, {"kind": "user_unit", "key": UNIT}, sub="alice")).json()
    response = await client.post(f"/v1/blacklist/{created['id']}/lift", json={"reason": "error"},
                                 headers=headers("hq_admin", sub="c-made-by-alice", owner="alice"))
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"


async def test_lift_by_the_creator_of_the_listing_identity_is_refused(client, headers):
    created = (await client.post("/v1/blacklist", json=entry({"kind": "user_unit", "key": UNIT}),
                                 headers=headers("enforcement", sub="c-proxy",
                                                 owner="user:boss"))).json()
    response = await client.post(f"/v1/blacklist/{created['id']}/lift", json={"reason": "error"},
                                 headers=headers("hq_admin", sub="user:boss", owner="user:boss"))
    assert response.status_code == 403


async def test_a_cursor_with_a_zoneless_timestamp_is_400(client, headers):
    cursor = encode_cursor(["2026-01-01T00:00:00", "0" * 32])
    response = await client.get(f"/v1/blacklist?cursor={cursor}", headers=headers("auditor"))
    assert response.status_code == 400
