import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select

from credit.models import BlacklistEntry, CreditEvent, FraudCase, OutboxEvent

NUMBER = "106901234567"
UNIT_CHANGED_AT = dt.datetime(2026, 10, 15, tzinfo=dt.UTC)
OLD_UNIT, NEW_UNIT, HOLDER = "91440300000000001H", "91440300000000002L", "91440300000000003P"
ID_A = "11010519491231002X"


@pytest.fixture
def unit_changed_last_month(registry, index, trace_body):
    """registry: the sub-port's user unit changed on UNIT_CHANGED_AT; asked moments kept."""
    asked: list[dt.datetime] = []

    def answer(request: httpx.Request) -> httpx.Response:
        at = dt.datetime.fromisoformat(request.url.params["at"])
        asked.append(at)
        unit = OLD_UNIT if at < UNIT_CHANGED_AT else NEW_UNIT
        return httpx.Response(200, json=trace_body(NUMBER, holder=HOLDER, user_unit=unit,
                                                   handler_index=index(ID_A)))

    registry(answer)
    return asked


def case(ref="CASE-2026-001", occurred_at="2026-10-01T08:00:00+00:00"):
    return {"number": NUMBER, "occurred_at": occurred_at, "case_ref": ref}


async def check(client, headers, *subjects):
    response = await client.post("/v1/blacklist/check", headers=headers("service"),
                                 json={"subjects": list(subjects)})
    return [r["blacklisted"] for r in response.json()["results"]]


async def test_fraud_case_blacklists_the_unit_that_used_the_number_at_that_time(
        client, headers, unit_changed_last_month):
    response = await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    assert response.status_code == 201
    assert await check(client, headers, {"kind": "user_unit", "key": OLD_UNIT},
                       {"kind": "user_unit", "key": NEW_UNIT}) == [True, False]


async def test_fraud_case_blacklists_holder_user_unit_and_handler(
        client, headers, unit_changed_last_month):
    await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    assert await check(client, headers, {"kind": "holder", "key": HOLDER},
                       {"kind": "user_unit", "key": OLD_UNIT},
                       {"kind": "handler", "key": ID_A}) == [True, True, True]


async def test_fraud_case_records_a_fraud_case_event_per_subject(client, headers, db_session,
                                                                 unit_changed_last_month):
    await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    types = (await db_session.execute(select(CreditEvent.type))).scalars().all()
    assert types == ["fraud_case"] * 3


async def test_fraud_case_pushes_a_sanction_per_subject_to_registry(
        client, headers, db_session, index, unit_changed_last_month):
    await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    events = (await db_session.execute(
        select(OutboxEvent).where(OutboxEvent.topic == "sanction.applied"))).scalars().all()
    assert sorted(str(e.payload["subject"]) for e in events) == sorted(str(s) for s in [
        {"kind": "holder", "key": HOLDER}, {"kind": "user_unit", "key": OLD_UNIT},
        {"kind": "handler", "id_number_index": index(ID_A)}])
    assert {e.destination for e in events} == {"registry"}
    assert events[0].payload["sanctions"] == ["suspend_cooperation", "restrict_business"]
    assert events[0].payload["case_ref"] == "CASE-2026-001"


async def test_same_case_twice_gives_the_same_result_and_no_duplicates(
        client, headers, db_session, unit_changed_last_month):
    first = await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    again = await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert await db_session.scalar(select(func.count()).select_from(BlacklistEntry)) == 3
    assert await db_session.scalar(select(func.count()).select_from(OutboxEvent)) == 3


async def test_same_case_ref_for_another_number_is_a_conflict(
        client, headers, unit_changed_last_month):
    await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    other = {**case(), "number": "106901234568"}
    response = await client.post("/v1/fraud-cases", json=other, headers=headers("enforcement"))
    assert response.status_code == 409


async def test_registry_down_at_trace_time_is_503_and_records_nothing(client, headers, registry,
                                                                     db_session):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    registry(down)
    response = await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert await db_session.scalar(select(func.count()).select_from(FraudCase)) == 0
    assert await db_session.scalar(select(func.count()).select_from(BlacklistEntry)) == 0


async def test_number_not_registered_at_that_moment_is_404(client, headers, registry):
    registry(lambda request: httpx.Response(404, json={"title": "Not found", "status": 404}))
    response = await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    assert response.status_code == 404


async def test_trace_is_asked_for_the_moment_of_the_case(client, headers,
                                                       unit_changed_last_month):
    await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    assert unit_changed_last_month == [dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC)]


async def test_fraud_case_in_the_future_is_refused_without_asking_registry(
        client, headers, unit_changed_last_month):
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    response = await client.post("/v1/fraud-cases", json=case(occurred_at=later),
                                 headers=headers("enforcement"))
    assert response.status_code == 422
    assert unit_changed_last_month == []


async def test_a_number_traced_to_a_port_only_blacklists_its_holder(client, headers, registry,
                                                                   trace_body):
    body = trace_body("10690123", holder=HOLDER, user_unit=OLD_UNIT, handler_index=None)
    body.update(matched="port", sub_port=None, user_unit=None)
    registry(lambda request: httpx.Response(200, json=body))
    response = await client.post("/v1/fraud-cases", headers=headers("hq_admin"), json={
        "number": "10690123", "occurred_at": "2026-10-01T00:00:00Z", "case_ref": "C-port"})
    assert [p["subject"]["kind"] for p in response.json()["parties"]] == ["holder"]


async def test_fraud_case_answer_lists_the_sub_ports_its_sanctions_touched(
        client, headers, unit_changed_last_month):
    first = (await client.post("/v1/fraud-cases", json=case(),
                               headers=headers("enforcement"))).json()
    assert first["sub_ports"] == []
    unit_entry = next(p["entry_id"] for p in first["parties"]
                      if p["subject"]["kind"] == "user_unit")
    await client.post("/v1/events", headers=headers("service"), json={
        "id": "ev-1", "source": "registry", "topic": "sanction.outcome", "payload": {
            "blacklist_id": unit_entry, "sub_ports": [
                {"number": NUMBER, "action": "suspended"},
                {"number": NUMBER + "9", "action": "spared_whitelisted"}]}})
    shown = await client.get(f"/v1/fraud-cases/{first['id']}", headers=headers("auditor"))
    replay = await client.post("/v1/fraud-cases", json=case(), headers=headers("enforcement"))
    for body in (shown.json(), replay.json()):
        assert [(s["number"], s["action"], s["blacklist_id"]) for s in body["sub_ports"]] == [
            (NUMBER, "suspended", unit_entry), (NUMBER + "9", "spared_whitelisted", unit_entry)]


async def test_fraud_case_may_carry_only_restrict_business(client, headers, db_session,
                                                           unit_changed_last_month):
    response = await client.post("/v1/fraud-cases", headers=headers("enforcement"),
                                 json={**case(), "sanctions": ["restrict_business"]})
    assert response.json()["sanctions"] == ["restrict_business"]
    events = (await db_session.execute(
        select(OutboxEvent).where(OutboxEvent.topic == "sanction.applied"))).scalars().all()
    assert {tuple(e.payload["sanctions"]) for e in events} == {("restrict_business",)}
