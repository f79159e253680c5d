"""Start-up wiring: one HTTP client, service tokens and the outbox relay per process."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from fastapi import FastAPI

from porttrust_shared.app import Hook
from porttrust_shared.clients import ServiceClient, ServiceTokens
from porttrust_shared.outbox import OutboxEventMixin, OutboxRelay


async def start_http(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0))
    app.state.tokens = (
        ServiceTokens(identity_url=settings.identity_url, client_id=settings.client_id,
                      client_secret=settings.client_secret, http=app.state.http)
        if settings.client_id else None
    )


async def stop_http(app: FastAPI) -> None:
    await app.state.http.aclose()


def outbox_hooks(model: type[OutboxEventMixin],
                 destinations: Mapping[str, str]) -> tuple[Hook, Hook]:
    """Hooks that run the relay for `model`, delivering to {service name: settings field}."""

    async def start(app: FastAPI) -> None:
        settings = app.state.settings
        clients = {}
        for name, field in destinations.items():
            client = ServiceClient(base_url=getattr(settings, field), tokens=app.state.tokens,
                                   http=app.state.http)
            client.service = name
            clients[name] = client
        app.state.relay = OutboxRelay(sessions=app.state.sessions, model=model, clients=clients,
                                      source=settings.service_name,
                                      interval=settings.outbox_interval_seconds,
                                      max_attempts=settings.outbox_max_attempts)
        app.state.relay.start()

    async def stop(app: FastAPI) -> None:
        await app.state.relay.stop()

    return start, stop
