"""The baseline: a bare FastAPI endpoint doing only the same token check the services do.

Served by uvicorn as `bench.baseline:create_app` (a factory) with the settings in env vars:
BENCH_JWKS_FILE, BENCH_ISSUER, BENCH_AUDIENCE. No database, middleware, logging or metrics,
so a service's ratio against it is the price of everything the service adds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from porttrust_shared.deps import PrincipalDep
from porttrust_shared.errors import install_error_handlers
from porttrust_shared.tokens import TokenVerifier


def create_app() -> FastAPI:
    app = FastAPI(title="bench baseline", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.verifier = TokenVerifier(
        audience=os.environ.get("BENCH_AUDIENCE", "bench"),
        issuer=os.environ["BENCH_ISSUER"], jwks_file=Path(os.environ["BENCH_JWKS_FILE"]),
    )
    install_error_handlers(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/bare")
    async def bare(principal: PrincipalDep) -> dict[str, Any]:
        return {"sub": principal.sub, "roles": sorted(principal.roles)}

    @app.post("/bare")
    async def bare_post(principal: PrincipalDep, body: dict[str, Any]) -> dict[str, Any]:
        return {"sub": principal.sub, "keys": sorted(body)}

    return app
