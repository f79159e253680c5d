"""credit: Subjects, credit events, scores, blacklist, sanctions and fraud cases."""

from fastapi import FastAPI

from credit.api import router
from credit.events import HANDLERS
from credit.models import IdempotencyRecord, InboxEvent, OutboxEvent
from credit.settings import Settings
from porttrust_shared.app import create_service_app
from porttrust_shared.outbox import events_router
from porttrust_shared.wiring import outbox_hooks, start_http, stop_http


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    start_relay, stop_relay = outbox_hooks(OutboxEvent, {"registry": "registry_url"})
    app = create_service_app(
        settings, title="PortTrust credit",
        description="Subjects, credit events, scores, blacklist, sanctions and fraud cases.",
        routers=[router, events_router(inbox=InboxEvent, handlers=HANDLERS)],
        on_startup=[start_http, start_relay], on_shutdown=[stop_relay, stop_http],
    )
    app.state.idempotency_model = IdempotencyRecord
    return app
