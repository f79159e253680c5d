"""registry: Ports, sub-ports, templates, opt-outs, complaints, trace, back-fill and audit."""

from fastapi import FastAPI

from porttrust_shared.app import create_service_app
from porttrust_shared.audit_api import audit_router
from porttrust_shared.heap import freeze_on_start
from porttrust_shared.outbox import Outbox, events_router
from registry.api import router
from registry.clients import CreditClient, LocalVerifier, WhitelistClient
from registry.compiled import log_build
from registry.deps import RegistryState
from registry.events import HANDLERS
from registry.models import AuditEvent, IdempotencyRecord, InboxEvent, OutboxEvent
from registry.service.send_log_writer import close_writers
from registry.settings import Settings
from registry.sweeps import start_sweeps, stop_sweeps


async def start_clients(app: FastAPI) -> None:
    state = RegistryState.of(app)
    state.credit = CreditClient(base_url=state.settings.credit_url, tokens=state.tokens,
                                http=state.http)
    state.whitelist = WhitelistClient(base_url=state.settings.whitelist_url,
                                      tokens=state.tokens, http=state.http)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        settings, title="PortTrust registry",
        description=(
            "Ports, sub-ports, templates, opt-outs, complaints, trace, back-fill and audit."
        ),
        routers=[router, audit_router(AuditEvent),
                 events_router(inbox=InboxEvent, handlers=HANDLERS)],
        outbox=Outbox(OutboxEvent, {"credit": "credit_url", "whitelist": "whitelist_url"}),
        on_startup=[start_clients, start_sweeps, log_build, freeze_on_start],
        on_shutdown=[stop_sweeps, close_writers],
        body_limits=settings.imports.body_limits(),
        read_cache=True,  # GET /v1/sub-ports/{number}
        state=RegistryState, idempotency_model=IdempotencyRecord,
    )
    state = RegistryState.of(app)
    # Swap in a real identity-check provider here; see registry.clients (IdentityVerifier).
    state.identity_verifier = LocalVerifier.from_file(settings.identity_match_file)
    state.import_tasks = {}
    return app
