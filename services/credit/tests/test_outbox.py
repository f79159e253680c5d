import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select

from credit.deps import CreditState
from credit.models import BlacklistEntry, CreditEvent, OutboxEvent
from porttrust_shared.clients import ServiceClient
from porttrust_shared.outbox import OutboxRelay

UNIT = "91440300000000001H"


class FakeRegistry:
    """registry's POST /v1/events: down until `up`, then applies each event id once."""

    def __init__(self) -> None:
        self.up, self.applied, self.received = False, [], 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("connection refused")
        self.received += 1
        event_id = httpx.Response(200, content=request.content).json()["id"]
        if event_id not in self.applied:
            self.applied.append(event_id)
        return httpx.Response(200, json={"id": event_id, "applied": True})


@pytest.fixture
async def relay(app):
    fake = FakeRegistry()
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:
        client = ServiceClient(base_url="http://registry.test", tokens=None, http=http)
        yield fake, OutboxRelay(sessions=CreditState.of(app).sessions, model=OutboxEvent,
                                clients={"registry": client}, source="credit")


async def blacklist_unit(client, headers):
    response = await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": UNIT}, "reason": "r", "evidence": "e"})
    return response.json()["id"]


async def make_due(db_session):
    for event in (await db_session.execute(select(OutboxEvent))).scalars():
        event.next_attempt_at = dt.datetime.now(dt.UTC)
    await db_session.flush()


async def test_registry_down_keeps_the_sanction_undelivered_with_one_more_attempt(
        client, headers, db_session, relay):
    _, outbox = relay
    await blacklist_unit(client, headers)
    delivered = await outbox.run_once()
    event = await db_session.scalar(select(OutboxEvent))
    await db_session.refresh(event)
    assert delivered == 0
    assert (event.delivered_at, event.attempts) == (None, 1)


async def test_sanction_is_delivered_once_registry_is_back(client, headers, db_session, relay):
    fake, outbox = relay
    entry_id = await blacklist_unit(client, headers)
    await outbox.run_once()
    fake.up = True
    await make_due(db_session)
    delivered = [await outbox.run_once(), await outbox.run_once()]
    event = await db_session.scalar(select(OutboxEvent))
    await db_session.refresh(event)
    assert delivered == [1, 0]
    assert event.delivered_at is not None
    assert fake.received == 1
    assert event.payload["blacklist_id"] == entry_id


def reported(event_id: str, type_: str = "spam_complaint") -> dict:
    return {"id": event_id, "source": "registry", "topic": "credit_event.reported",
            "created_at": "2026-11-01T00:00:00+00:00",
            "payload": {"subject": {"kind": "user_unit", "key": UNIT}, "type": type_,
                        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
                        "evidence": {"complaint": "C-9"}, "source_ref": "complaint-9"}}


async def test_a_reported_credit_event_from_registry_is_recorded(client, headers, db_session):
    response = await client.post("/v1/events", json=reported("e" * 32),
                                 headers=headers("service"))
    event = await db_session.scalar(select(CreditEvent))
    assert response.json()["applied"] is True
    assert (event.type, event.source, event.source_ref) == ("spam_complaint", "registry",
                                                            "complaint-9")


async def test_a_redelivered_event_is_applied_once(client, headers, db_session):
    for _ in range(2):
        response = await client.post("/v1/events", json=reported("f" * 32),
                                     headers=headers("service"))
    assert response.json()["applied"] is False
    assert await db_session.scalar(select(func.count()).select_from(CreditEvent)) == 1


async def test_a_reported_real_name_violation_blacklists_the_subject(client, headers,
                                                                    db_session):
    await client.post("/v1/events", json=reported("a" * 32, "real_name_violation"),
                      headers=headers("service"))
    entry = await db_session.scalar(select(BlacklistEntry))
    assert (entry.origin, entry.listed_by) == ("event", "registry")


async def test_a_reported_event_with_a_bad_payload_is_422(client, headers):
    body = reported("b" * 32)
    body["payload"]["subject"] = {"kind": "person", "key": UNIT}
    response = await client.post("/v1/events", json=body, headers=headers("service"))
    assert response.status_code == 422


async def test_only_services_may_push_events(client, headers):
    response = await client.post("/v1/events", json=reported("c" * 32),
                                 headers=headers("enforcement"))
    assert response.status_code == 403


async def test_a_reported_event_of_a_type_not_weighted_yet_is_kept_at_no_cost(
        client, headers, db_session):
    response = await client.post("/v1/events", json=reported("d" * 32, "brand_new_violation"),
                                 headers=headers("service"))
    event = await db_session.scalar(select(CreditEvent))
    assert response.json()["applied"] is True
    assert event.type == "brand_new_violation"
    assert await db_session.scalar(select(func.count()).select_from(BlacklistEntry)) == 0
