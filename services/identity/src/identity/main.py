"""identity: who may call PortTrust. Issues ES256 tokens and publishes the JWKS."""

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from identity.api import router
from identity.deps import IdentityState
from identity.models import IdempotencyRecord
from identity.service import identities, keys
from identity.service.throttle import SignInGuard, SignInPolicy
from identity.settings import Settings
from porttrust_shared.app import create_service_app
from porttrust_shared.db import READ_ONLY
from porttrust_shared.tokens import TokenVerifier

log = logging.getLogger("identity")


async def _bootstrap(app: FastAPI) -> None:
    state = IdentityState.of(app)
    async with state.sessions() as session:
        generated = await identities.bootstrap(session, settings=state.settings,
                                               cipher=state.cipher)
        await session.commit()
    if generated:
        # Printed once, on the console of the first start, never logged.
        print(f"identity: created user 'admin' with generated password: {generated}", flush=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    holder: dict[str, FastAPI] = {}

    async def own_keys() -> dict[str, Any]:
        state = IdentityState.of(holder["app"])
        async with state.sessions() as session:
            # A read: on SQLite it must not queue behind (or block) a writer.
            await session.connection(execution_options=READ_ONLY)
            return await keys.jwks(session, state.cipher)

    # identity verifies its own tokens from its own table, not over HTTP to itself.
    verifier = TokenVerifier(audience="identity", issuer=settings.issuer,
                             jwks_file=settings.jwks_file,
                             key_source=None if settings.jwks_file else own_keys,
                             refresh_floor=0)
    app = create_service_app(
        settings, title="PortTrust identity",
        description="Machine clients, people, roles and ES256 signing keys.",
        routers=[router], on_startup=[_bootstrap], verifier=verifier,
        state=IdentityState, idempotency_model=IdempotencyRecord,
    )
    holder["app"] = app
    IdentityState.of(app).throttle = SignInGuard(SignInPolicy.from_settings(settings))
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["POST", "GET"],
                       allow_headers=["*"])
    return app
