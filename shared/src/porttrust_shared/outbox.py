"""Transactional outbox and inbox: events leave with the change that caused them, and are
applied once however often they arrive."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.clients import ServiceClient
from porttrust_shared.db import UTCDateTime, is_postgres, is_sqlite, new_id, utcnow
from porttrust_shared.deps import SessionDep, require_roles
from porttrust_shared.errors import DependencyUnavailable, Unprocessable
from porttrust_shared.pii import scrub_data

log = logging.getLogger("porttrust.outbox")


class Outbox(NamedTuple):
    """What a service's relay needs (`create_service_app(outbox=...)`): its outbox table, and
    per destination service the setting that holds its URL, e.g.
    `Outbox(OutboxEvent, {"registry": "registry_url"})`."""

    model: type[OutboxEventMixin]
    destinations: Mapping[str, str]


class OutboxEventMixin:
    __tablename__ = "outbox_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    destination: Mapped[str] = mapped_column(String(32), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)

    if TYPE_CHECKING:  # mapped subclasses accept their columns as keywords

        def __init__(self, **kwargs: Any) -> None: ...


class InboxEventMixin:
    __tablename__ = "inbox_events"

    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    if TYPE_CHECKING:  # mapped subclasses accept their columns as keywords

        def __init__(self, **kwargs: Any) -> None: ...


async def enqueue(session: AsyncSession, model: type[OutboxEventMixin], *, destination: str,
                  topic: str, payload: dict[str, Any]) -> str:
    """Record an event in the caller's transaction; the relay delivers it after commit.
    ID numbers and phones inside the payload's strings are masked (pii.scrub): events carry
    keys and blind indexes, never personal numbers in clear."""
    event = model(id=new_id(), destination=destination, topic=topic, payload=scrub_data(payload),
                  attempts=0, next_attempt_at=utcnow())
    session.add(event)
    await session.flush()
    return event.id


Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


async def apply_once(session: AsyncSession, model: type[InboxEventMixin], *, event_id: str,
                     source: str, topic: str, handler: Handler, payload: dict[str, Any]) -> bool:
    """Apply an incoming event unless it was applied before. Returns False for a duplicate."""
    if await session.get(model, event_id) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(model(event_id=event_id, source=source, topic=topic))
            await session.flush()
    except IntegrityError:
        return False  # a concurrent delivery of the same event won
    await handler(session, payload)
    return True


def backoff_seconds(attempts: int, *, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff with full jitter, capped."""
    return random.uniform(0, min(cap, base * 2 ** min(attempts, 16)))


GIVE_UP_AT = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class OutboxRelay:
    """Delivers due events to their destination's `POST /v1/events`, retrying with backoff.

    Delivery is at least once: an event is marked delivered only after a 2xx, so a crash in
    between sends it again and the receiver's inbox drops the twin.
    """

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession],
                 model: type[OutboxEventMixin], clients: Mapping[str, ServiceClient],
                 source: str, interval: float = 1.0, batch: int = 100,
                 max_attempts: int = 0) -> None:
        self.sessions, self.model, self.clients = sessions, model, clients
        self.source, self.interval, self.batch = source, interval, batch
        self.max_attempts = max_attempts
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"outbox-{self.source}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def nudge(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox relay pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()

    async def run_once(self) -> int:
        """One pass over due events; returns how many were delivered."""
        async with self.sessions() as session:
            if is_sqlite(session):
                return await self._run_unlocked(session)
            events = await self._due(session)
            outcomes = [await self._deliver(event) for event in events]
            for event, error in zip(events, outcomes, strict=True):
                self._record(event, error)
            await session.commit()
        return outcomes.count(None)

    async def _run_unlocked(self, session: AsyncSession) -> int:
        # SQLite has one writer: holding it across HTTP calls would stall every request of
        # this service, so events are read, delivered, then marked in a second transaction.
        events = await self._due(session)
        await session.commit()
        outcomes = [await self._deliver(event) for event in events]
        for event, error in zip(events, outcomes, strict=True):
            fresh = await session.get(self.model, event.id)
            if fresh is not None:
                self._record(fresh, error)
        await session.commit()
        return outcomes.count(None)

    async def _due(self, session: AsyncSession) -> list[OutboxEventMixin]:
        m = self.model
        query = (select(m).where(m.delivered_at.is_(None), m.next_attempt_at <= utcnow())
                 .order_by(m.created_at).limit(self.batch))
        if is_postgres(session):
            # Replicas share the table: each event is taken by one relay at a time.
            query = query.with_for_update(skip_locked=True)
        return list((await session.execute(query)).scalars().all())

    async def _deliver(self, event: OutboxEventMixin) -> str | None:
        """Send one event; None when the receiver took it, else why not."""
        client = self.clients.get(event.destination)
        if client is None:
            return f"no client for {event.destination}"
        body = {"id": event.id, "source": self.source, "topic": event.topic,
                "payload": event.payload, "created_at": event.created_at.isoformat()}
        try:
            response = await client.call("POST", "/v1/events", json=body)
        except DependencyUnavailable as exc:
            return str(exc)
        except Exception as exc:  # one bad event must not stop the others
            log.exception("outbox event %s could not be sent", event.id)
            return type(exc).__name__
        return None if response.status_code < 300 else f"answered {response.status_code}"

    def _record(self, event: OutboxEventMixin, error: str | None) -> None:
        if error is None:
            event.delivered_at, event.last_error = utcnow(), None
            return
        event.attempts += 1
        event.last_error = error[:500]
        if self.max_attempts and event.attempts >= self.max_attempts:
            event.next_attempt_at = GIVE_UP_AT
            log.error("outbox event %s to %s abandoned after %d attempts", event.id,
                      event.destination, event.attempts)
            return
        event.next_attempt_at = utcnow() + dt.timedelta(seconds=backoff_seconds(event.attempts))
        log.warning("outbox event %s to %s failed (attempt %d)", event.id, event.destination,
                    event.attempts)


class EventIn(BaseModel):
    """An event as a relay delivers it."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=32)
    source: str = Field(min_length=1, max_length=32)
    topic: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any]
    created_at: dt.datetime | None = None


class EventAck(BaseModel):
    id: str
    applied: bool


def events_router(*, inbox: type[InboxEventMixin], handlers: Mapping[str, Handler]) -> APIRouter:
    """`POST /v1/events`: where other services' outbox relays deliver. Role `service` only."""
    router = APIRouter(tags=["events"])

    @router.post("/v1/events", summary="Receive an event from another service's outbox",
                 dependencies=[Depends(require_roles("service"))])
    async def receive_event(event: EventIn, session: SessionDep) -> EventAck:
        """Apply an event once; a repeat of an applied event answers applied=false."""
        handler = handlers.get(event.topic)
        if handler is None:
            raise Unprocessable("Unknown event topic.")
        applied = await apply_once(session, inbox, event_id=event.id, source=event.source,
                                   topic=event.topic, handler=handler, payload=event.payload)
        return EventAck(id=event.id, applied=applied)

    return router
