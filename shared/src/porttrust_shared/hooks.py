"""Start-up wiring: one HTTP client, service tokens, the outbox relay and periodic jobs
per process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

import httpx
from fastapi import FastAPI

from porttrust_shared.clients import ServiceClient, ServiceTokens
from porttrust_shared.outbox import OutboxEventMixin, OutboxRelay
from porttrust_shared.state import ServiceState

# A start-up or shutdown step: `async def hook(app)`.
Hook = Callable[[FastAPI], Awaitable[None]]


async def start_http(app: FastAPI) -> None:
    state = ServiceState.of(app)
    settings = state.settings
    state.http = httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0))
    state.tokens = (
        ServiceTokens(identity_url=settings.identity_url, client_id=settings.client_id,
                      client_secret=settings.client_secret, http=state.http)
        if settings.client_id else None
    )


async def stop_http(app: FastAPI) -> None:
    await ServiceState.of(app).http.aclose()


def outbox_hooks(model: type[OutboxEventMixin],
                 destinations: Mapping[str, str]) -> tuple[Hook, Hook]:
    """Hooks that run the relay for `model`, delivering to {service name: settings field}."""

    async def start(app: FastAPI) -> None:
        state = ServiceState.of(app)
        settings = state.settings
        clients = {}
        for name, field in destinations.items():
            client = ServiceClient(base_url=getattr(settings, field), tokens=state.tokens,
                                   http=state.http)
            client.service = name
            clients[name] = client
        state.relay = OutboxRelay(sessions=state.sessions, model=model, clients=clients,
                                  source=settings.service_name,
                                  interval=settings.outbox_interval_seconds,
                                  max_attempts=settings.outbox_max_attempts)
        state.relay.start()

    async def stop(app: FastAPI) -> None:
        await ServiceState.of(app).relay.stop()

    return start, stop


def periodic_hooks(name: str, step: Callable[[FastAPI], Awaitable[object]], *,
                   every: Callable[[FastAPI], float]) -> tuple[Hook, Hook]:
    """Hooks that run `step(app)` at start and then every `every(app)` seconds (0 or less:
    never), as a task of the process. A failing step is logged and tried again next time:
    a background job must outlive a database or a peer that is briefly away."""
    log = logging.getLogger(name)

    async def run(app: FastAPI, interval: float) -> None:
        while True:
            try:
                await step(app)
            except Exception:
                log.exception("%s failed; tried again in %ss", name, interval)
            await asyncio.sleep(interval)

    async def start(app: FastAPI) -> None:
        interval = every(app)
        task = asyncio.create_task(run(app, interval), name=name) if interval > 0 else None
        ServiceState.of(app).tasks[name] = task

    async def stop(app: FastAPI) -> None:
        task = ServiceState.of(app).tasks.get(name)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return start, stop
