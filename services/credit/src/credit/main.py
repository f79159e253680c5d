"""credit: Subjects, credit events, scores, blacklist, sanctions and fraud cases."""

from fastapi import FastAPI

from credit.api import router
from credit.clients import RegistryClient
from credit.deps import CreditState
from credit.errors import mask_problem_paths
from credit.events import build_handlers
from credit.models import AuditEvent, IdempotencyRecord, InboxEvent, OutboxEvent
from credit.service import Credit, Policy
from credit.service.subjects import IdNumberIndex
from credit.settings import Settings
from credit.sweeps import start_sweep, stop_sweep
from porttrust_shared.app import create_service_app
from porttrust_shared.audit_api import audit_router
from porttrust_shared.heap import freeze_on_start
from porttrust_shared.outbox import Outbox, events_router


async def start_registry(app: FastAPI) -> None:
    state = CreditState.of(app)
    state.registry = RegistryClient(base_url=state.settings.registry_url, tokens=state.tokens,
                                    http=state.http)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        settings, title="PortTrust credit",
        description="Subjects, credit events, scores, blacklist, sanctions and fraud cases.",
        routers=[router, audit_router(AuditEvent, default_order="desc")],
        outbox=Outbox(OutboxEvent, {"registry": "registry_url"}),
        on_startup=[start_registry, start_sweep, freeze_on_start],
        on_shutdown=[stop_sweep],
        read_cache=True,  # the blacklist check (service.lookups.check_subjects)
        state=CreditState, idempotency_model=IdempotencyRecord,
    )
    state = CreditState.of(app)
    state.credit = Credit(cipher=state.cipher, policy=Policy.from_settings(settings),
                          id_number_index=IdNumberIndex(settings.blind_index_key),
                          page_limit_max=settings.page_limit_max)
    app.include_router(events_router(inbox=InboxEvent, handlers=build_handlers(state.credit)))
    mask_problem_paths(app)
    return app
