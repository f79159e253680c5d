"""whitelist: Whitelist applications with dual approval, entries and combing progress."""

from fastapi import FastAPI

from porttrust_shared.app import create_service_app
from porttrust_shared.audit_api import audit_router
from porttrust_shared.outbox import Outbox, events_router
from whitelist.api import router
from whitelist.clients import RegistryClient
from whitelist.deps import WhitelistState
from whitelist.events import HANDLERS
from whitelist.models import AuditEvent, IdempotencyRecord, InboxEvent, OutboxEvent
from whitelist.settings import Settings
from whitelist.sweeps import start_sweep, stop_sweep


async def start_clients(app: FastAPI) -> None:
    state = WhitelistState.of(app)
    state.registry = RegistryClient(base_url=state.settings.registry_url, tokens=state.tokens,
                                    http=state.http)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        settings, title="PortTrust whitelist",
        description="Whitelist applications with dual approval, entries and combing progress.",
        routers=[router, audit_router(AuditEvent),
                 events_router(inbox=InboxEvent, handlers=HANDLERS)],
        outbox=Outbox(OutboxEvent, {"registry": "registry_url"}),
        on_startup=[start_clients, start_sweep],
        on_shutdown=[stop_sweep],
        state=WhitelistState, idempotency_model=IdempotencyRecord,
    )
    return app
