"""What a service's app holds (`app.state`), declared once.

`create_service_app` makes `app.state` a `ServiceState`: the shared part below, every
attribute typed. A service that holds more (its clients of other services, its domain
context) declares a subclass in its `deps.py`, with only what it adds, and passes it:
`create_service_app(settings, state=RegistryState, ...)`. Code reads the state typed through
`RegistryState.of(app)`; handlers take dependencies (`porttrust_shared.deps`, the service's
`deps.py`, made with `state_dep`), never `request.app.state`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Self, TypeVar

from starlette.requests import Request

if TYPE_CHECKING:
    import httpx
    from prometheus_client import CollectorRegistry
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
    from starlette.applications import Starlette

    from porttrust_shared.changes import ChangeFeed
    from porttrust_shared.clients import ServiceTokens
    from porttrust_shared.idempotency import IdempotencyRecordMixin
    from porttrust_shared.outbox import OutboxRelay
    from porttrust_shared.pii import PiiCipher
    from porttrust_shared.settings import ServiceSettings
    from porttrust_shared.tokens import TokenVerifier

S = TypeVar("S", bound="ServiceState")
T = TypeVar("T")


class ServiceState:
    """Every service's app state. Made by `create_service_app`; the attributes under
    "start-up" exist once the app's start-up hooks ran (`http`, `tokens` and `relay` for a
    service with an `outbox`, `create_service_app`; `wiring.periodic_hooks`)."""

    settings: ServiceSettings
    engine: AsyncEngine
    # Tests swap the factory for one bound to their rolled-back transaction: read it per use.
    sessions: async_sessionmaker[AsyncSession]
    changes: ChangeFeed
    verifier: TokenVerifier
    cipher: PiiCipher
    metrics: CollectorRegistry
    # The table of `IdempotencyDep` (None: the service has no idempotent POSTs).
    idempotency_model: type[IdempotencyRecordMixin] | None
    # Start-up.
    http: httpx.AsyncClient
    tokens: ServiceTokens | None
    relay: OutboxRelay
    tasks: dict[str, asyncio.Task[None] | None]  # periodic jobs by name

    def __init__(self, *, settings: ServiceSettings, engine: AsyncEngine,
                 sessions: async_sessionmaker[AsyncSession], changes: ChangeFeed,
                 verifier: TokenVerifier, cipher: PiiCipher, metrics: CollectorRegistry,
                 idempotency_model: type[IdempotencyRecordMixin] | None) -> None:
        self.settings, self.engine, self.sessions, self.changes = (
            settings, engine, sessions, changes)
        self.verifier, self.cipher, self.metrics = verifier, cipher, metrics
        self.idempotency_model = idempotency_model
        self.tasks = {}

    @classmethod
    def of(cls, app: Starlette) -> Self:
        """The state of `app`, as this type (a TypeError when the app was built with
        another one: a wiring mistake, found at the first request)."""
        state: object = app.state
        if not isinstance(state, cls):
            raise TypeError(f"the app's state is a {type(state).__name__}, not a "
                            f"{cls.__name__}: pass state={cls.__name__} to create_service_app")
        return state


def state_dep(kind: type[S], read: Callable[[S], T],
              ) -> Callable[[Request], Coroutine[Any, Any, T]]:
    """A dependency handing out one thing the app's state holds:
    `SettingsDep = Annotated[Settings, Depends(state_dep(RegistryState, lambda s: s.settings))]`.
    (async: a plain function dependency would be sent to the thread pool on every request.)"""

    async def dependency(request: Request) -> T:
        return read(kind.of(request.app))

    return dependency
