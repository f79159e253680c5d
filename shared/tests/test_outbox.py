"""Outbox: events leave with their transaction, reach a receiver that was down once it is back,
and are applied once however often they arrive."""

import asyncio
import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select, update

from porttrust_shared.clients import ServiceClient
from porttrust_shared.db import utcnow
from porttrust_shared.outbox import GIVE_UP_AT, OutboxRelay, backoff_seconds, enqueue


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The network to the receiver: while down, every connection is refused."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


class StaticTokens:
    def __init__(self, token_factory) -> None:
        self.token_factory = token_factory

    async def token_for(self, audience: str) -> str:
        return self.token_factory("service", audience=[audience])


@pytest.fixture
def network(receiver) -> SwitchableTransport:
    return SwitchableTransport(receiver)


@pytest.fixture
def relay(sessions, outbox_model, network, token_factory) -> OutboxRelay:
    client = ServiceClient(base_url="http://receiver", tokens=StaticTokens(token_factory),
                           http=httpx.AsyncClient(transport=network))
    client.service = "receiver"
    return OutboxRelay(sessions=sessions, model=outbox_model, clients={"receiver": client},
                       source="demo", interval=0.01)


async def _received(receiver, received_model) -> int:
    async with receiver.state.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(received_model)))


async def _event(db_session, outbox_model, event_id):
    db_session.expire_all()
    return await db_session.get(outbox_model, event_id)


async def _make_due(db_session, outbox_model) -> None:
    past = utcnow() - dt.timedelta(seconds=1)
    await db_session.execute(update(outbox_model).values(next_attempt_at=past))


async def _enqueue(db_session, outbox_model, note="hello") -> str:
    return await enqueue(db_session, outbox_model, destination="receiver",
                         topic="thing.happened", payload={"note": note})


async def test_an_event_is_delivered_to_a_receiver_that_is_up(
        db_session, outbox_model, relay, receiver, received_model):
    event_id = await _enqueue(db_session, outbox_model)
    assert await relay.run_once() == 1
    assert (await _event(db_session, outbox_model, event_id)).delivered_at is not None
    assert await _received(receiver, received_model) == 1


async def test_an_event_for_a_receiver_that_is_down_arrives_once_it_is_back(
        db_session, outbox_model, relay, network, receiver, received_model):
    event_id = await _enqueue(db_session, outbox_model)
    network.down = True
    assert await relay.run_once() == 0
    failed = await _event(db_session, outbox_model, event_id)
    assert failed.attempts == 1
    assert failed.delivered_at is None
    assert "cannot be reached" in failed.last_error
    network.down = False
    await _make_due(db_session, outbox_model)
    assert await relay.run_once() == 1
    assert await _received(receiver, received_model) == 1


async def test_a_failed_event_waits_for_its_backoff(db_session, outbox_model, relay, network):
    await _enqueue(db_session, outbox_model)
    network.down = True
    await relay.run_once()
    network.down = False
    assert await relay.run_once() == 0


async def test_a_delivered_event_is_not_sent_again(db_session, outbox_model, relay,
                                                   receiver, received_model):
    await _enqueue(db_session, outbox_model)
    await relay.run_once()
    await _make_due(db_session, outbox_model)
    assert await relay.run_once() == 0
    assert await _received(receiver, received_model) == 1


async def test_a_duplicate_delivery_is_applied_once(db_session, outbox_model, relay, receiver,
                                                    received_model):
    event_id = await _enqueue(db_session, outbox_model)
    await relay.run_once()
    # The relay crashed after sending but before marking: the event goes out again.
    await db_session.execute(update(outbox_model).values(delivered_at=None))
    assert await relay.run_once() == 1
    assert (await _event(db_session, outbox_model, event_id)).delivered_at is not None
    assert await _received(receiver, received_model) == 1


async def test_the_receiver_reports_a_duplicate_as_not_applied(receiver, token_factory):
    auth = {"Authorization": "Bearer " + token_factory("service", audience=["receiver"])}
    event = {"id": "e" * 32, "source": "demo", "topic": "thing.happened", "payload": {}}
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
        first = await http.post("/v1/events", json=event, headers=auth)
        second = await http.post("/v1/events", json=event, headers=auth)
    assert first.json()["applied"] is True
    assert second.json()["applied"] is False


@pytest.mark.parametrize("roles", [(), ("hq_admin",)])
async def test_the_receiver_takes_events_only_from_services(receiver, token_factory, roles):
    headers = ({"Authorization": "Bearer " + token_factory(*roles, audience=["receiver"])}
               if roles else {})
    event = {"id": "f" * 32, "source": "demo", "topic": "thing.happened", "payload": {}}
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
        response = await http.post("/v1/events", json=event, headers=headers)
    assert response.status_code == (403 if roles else 401)


async def test_an_event_the_receiver_refuses_is_retried_later(
        db_session, outbox_model, relay):
    event_id = await enqueue(db_session, outbox_model, destination="receiver",
                             topic="no.such.topic", payload={})
    assert await relay.run_once() == 0
    event = await _event(db_session, outbox_model, event_id)
    assert event.last_error == "answered 422"
    assert event.next_attempt_at > utcnow()


async def test_an_event_without_a_known_destination_stays_queued(db_session, outbox_model,
                                                                  relay):
    event_id = await enqueue(db_session, outbox_model, destination="nowhere", topic="t",
                             payload={})
    assert await relay.run_once() == 0
    assert (await _event(db_session, outbox_model, event_id)).attempts == 1


async def test_the_relay_gives_up_after_max_attempts(db_session, outbox_model, relay, network):
    relay.max_attempts = 2
    event_id = await _enqueue(db_session, outbox_model)
    network.down = True
    for _ in range(2):
        await _make_due(db_session, outbox_model)
        await relay.run_once()
    assert (await _event(db_session, outbox_model, event_id)).next_attempt_at == GIVE_UP_AT


async def test_the_running_relay_delivers_in_the_background(
        db_session, outbox_model, relay, receiver, received_model):
    await _enqueue(db_session, outbox_model)
    relay.start()
    try:
        for _ in range(200):
            if await _received(receiver, received_model):
                break
            await asyncio.sleep(0.01)
    finally:
        await relay.stop()
    assert await _received(receiver, received_model) == 1


def test_backoff_grows_and_is_capped():
    assert all(0 <= backoff_seconds(n) <= 2 ** n for n in range(1, 8))
    assert max(backoff_seconds(40) for _ in range(50)) <= 300
