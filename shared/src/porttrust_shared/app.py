"""The app factory every service builds on: errors, health, metrics, request ids, limits."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from porttrust_shared.changes import ChangeFeed
from porttrust_shared.db import READ_ONLY, create_engine, session_factory
from porttrust_shared.direct import DirectDispatch, direct_routes
from porttrust_shared.docs import docs_router
from porttrust_shared.errors import (
    BodyRefused,
    DependencyUnavailable,
    InternalError,
    PayloadTooLarge,
    Problem,
    install_error_handlers,
    problem_response,
)
from porttrust_shared.gate import gate_routes
from porttrust_shared.hooks import Hook, outbox_hooks, start_http, stop_http
from porttrust_shared.idempotency import IdempotencyRecordMixin
from porttrust_shared.limits import guarded_receive, nul_check, nul_in_target, nul_refused
from porttrust_shared.logs import ACCESS_FORMAT, request_id_var, write_access
from porttrust_shared.openapi import install_openapi
from porttrust_shared.outbox import Outbox
from porttrust_shared.pii import PiiCipher, scrub
from porttrust_shared.settings import ServiceSettings
from porttrust_shared.state import ServiceState
from porttrust_shared.tokens import TokenVerifier

log = logging.getLogger("porttrust.access")


class RequestContextMiddleware:
    """Request id, body cap, NUL refusal, token gate, access log and metrics: one ASGI layer."""

    def __init__(self, app: ASGIApp, *, max_body: int, registry: CollectorRegistry,
                 service: str, body_limits: Mapping[str, int] | None = None) -> None:
        self.app, self.max_body, self.service = app, max_body, service
        # Paths with their own cap instead of max_body (say, a bulk import), matched exactly.
        self.body_limits = dict(body_limits or {})
        self.requests = Counter("http_requests", "HTTP requests", ["method", "route", "status"],
                                registry=registry)
        self.latency = Histogram("http_request_duration_seconds", "Request latency",
                                 ["method", "route"], registry=registry)
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._gated = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._gated:
            # Here rather than in the factory: a service may include routers after it.
            direct_routes(scope["app"].routes)
            gate_routes(scope["app"].routes)
            self._dispatch_direct(scope["app"])
            self._gated = True
        rid_header, length, content_type = _request_headers(scope)
        # A caller's own id is kept (masked: it is echoed and logged, and a caller may have
        # put a phone or an ID number in it); else one is made.
        rid = scrub(rid_header)[:64] if rid_header else new_request_id()
        token = request_id_var.set(rid)
        started, status, responded = time.perf_counter(), [500], [False]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0], responded[0] = message["status"], True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            refused = self._refusal(scope, length)
            if refused is not None:
                await problem_response(refused)(scope, receive, send_with_id)
            else:
                await self.app(scope, self._guarded(scope, receive, length, content_type),
                               send_with_id)
        except BodyRefused as exc:
            if responded[0]:
                raise
            await problem_response(exc.problem)(scope, receive, send_with_id)
        except Exception:
            if responded[0]:
                raise
            # Answered here rather than by Starlette's outermost handler, so the 500 problem
            # and its log line carry the request id like every other response.
            log.exception("unhandled error on %s", scope.get("path", "?"))
            await problem_response(InternalError())(scope, receive, send_with_id)
        finally:
            self._observe(scope, status[0], time.perf_counter() - started)
            request_id_var.reset(token)

    def _dispatch_direct(self, app: FastAPI) -> None:
        """Direct routes of fixed path dispatched inside the exception middleware (as FastAPI
        builds the stack, the app this middleware calls), past the router."""
        if isinstance(self.app, ExceptionMiddleware):
            dispatch = DirectDispatch(self.app.app, app.router, app.routes)
            if dispatch.routes:
                self.app.app = dispatch

    def _cap(self, scope: Scope) -> int:
        return self.body_limits.get(scope.get("path", ""), self.max_body) if self.body_limits \
            else self.max_body

    def _refusal(self, scope: Scope, length: str | None) -> Problem | None:
        """A problem to answer at once: a declared body over the cap, a NUL in the target."""
        if length is not None and length.isdigit() and int(length) > self._cap(scope):
            return PayloadTooLarge("The request body is larger than allowed.")
        if nul_in_target(scope):
            return nul_refused().problem
        return None

    def _guarded(self, scope: Scope, receive: Receive, length: str | None,
                 content_type: str | None) -> Receive:
        """The body is never read here: it is capped and looked at while the app reads it (a
        body without a declared length is counted; the server holds one with a length to
        it), so a route that refuses the caller first never receives it."""
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return receive
        nul = nul_check(content_type)
        cap = None if length is not None else self._cap(scope)
        if nul is None and cap is None:
            return receive
        return guarded_receive(receive, cap=cap, nul=nul)

    def _observe(self, scope: Scope, status: int, elapsed: float) -> None:
        method = scope["method"]
        path = getattr(scope.get("route"), "path", "unmatched")
        key = (method, path, status)
        children = self._children.get(key)
        if children is None:
            children = (self.requests.labels(method, path, str(status)),
                        self.latency.labels(method, path))
            if len(self._children) < _MAX_LABEL_SETS:
                self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)
        duration = round(elapsed * 1000, 2)
        if log.isEnabledFor(logging.INFO) and not write_access(
                log, method, path, status, duration, self.service):
            # The record log.info would make, without its walk up the stack for the caller's
            # file and line (which no access line shows).
            log.handle(log.makeRecord(
                log.name, logging.INFO, __file__, 0, ACCESS_FORMAT, (method, path, status),
                None, extra={"method": method, "path": path, "status": status,
                             "duration_ms": duration, "service": self.service,
                             "access": True}))


# Metric children kept bound per (method, route, status); beyond this many (odd methods sent
# by clients), the rest are looked up each time as before.
_MAX_LABEL_SETS = 1000


def new_request_id() -> str:
    """32 random hex digits. Unique, not secret: the random module's generator (seeded by the
    OS, reseeded in a forked child) makes one in a sixth of uuid4's time, which asks the OS."""
    return f"{random.getrandbits(128):032x}"


def _request_headers(scope: Scope) -> tuple[str | None, str | None, str | None]:
    """x-request-id, content-length and content-type, in one pass over the headers."""
    rid = length = content_type = None
    for key, value in scope.get("headers", []):
        if key == b"x-request-id":
            rid = value.decode("latin-1")
        elif key == b"content-length":
            length = value.decode("latin-1")
        elif key == b"content-type":
            content_type = value.decode("latin-1")
    return rid, length, content_type


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="The database answers", response_model=None,
                responses={503: {"description": "The database cannot be reached"}})
    async def readyz(request: Request) -> dict[str, str] | JSONResponse:
        try:
            async with ServiceState.of(request.app).engine.connect() as conn:
                await conn.execution_options(**READ_ONLY)
                await conn.execute(text("SELECT 1"))
        except Exception:
            return problem_response(DependencyUnavailable("The database cannot be reached."),
                                    request)
        return {"status": "ready"}

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        return Response(generate_latest(ServiceState.of(request.app).metrics),
                        media_type=CONTENT_TYPE_LATEST)

    return router


def _add_flat(app: FastAPI, router: APIRouter) -> None:
    """The router's routes as they are: only for routers without a prefix, dependencies or
    lifespan of their own (each route already carries its tags and operation id)."""
    if router.prefix or router.dependencies or router.on_startup or router.on_shutdown:
        raise ValueError("a router with a prefix, dependencies or hooks must be included")
    app.router.routes.extend(router.routes)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    idempotency_model: type[IdempotencyRecordMixin] | None,
    state: type[ServiceState] = ServiceState,
    outbox: Outbox | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    verifier: TokenVerifier | None = None,
    body_limits: Mapping[str, int] | None = None,
    read_cache: bool = False,
) -> FastAPI:
    """Build a service app. Nothing connects until the app starts (lifespan).

    `idempotency_model`: the service's table of `IdempotencyDep` (None: it has no idempotent
    POSTs). `state`: the type of `app.state`, a `ServiceState` subclass when the service holds
    more (porttrust_shared.state); the app's state is made here, everything else it holds is
    set by the service's `create_app` or its start-up hooks.

    `outbox`: the service sends events; the app then holds one HTTP client and service tokens
    (`state.http`, `state.tokens`) and runs the relay (`state.relay`), both started before
    `on_startup` and stopped after `on_shutdown` (which runs in reverse order).

    `body_limits`: request paths (exact) whose bodies may be larger, or must be smaller,
    than settings.max_body_bytes, with their own cap. `read_cache`: the service answers hot
    reads from the change feed's caches (`ReadsDep`), so its change feed listens (PostgreSQL, and
    settings.read_cache_seconds above 0); otherwise it hands out no cache and opens no
    listening connection."""

    if outbox is not None:
        start_relay, stop_relay = outbox_hooks(outbox.model, outbox.destinations)
        on_startup = [start_http, start_relay, *on_startup]
        on_shutdown = [stop_http, stop_relay, *on_shutdown]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await held.changes.start()
        for hook in on_startup:
            await hook(app)
        try:
            yield
        finally:
            for hook in reversed(on_shutdown):
                await hook(app)
            await held.changes.stop()
            await held.engine.dispose()

    # No OpenTelemetry here (metrics are Prometheus, at /metrics): FastAPI's native telemetry
    # would otherwise ask on every request whether a provider has been configured.
    # The documentation pages are ours (porttrust_shared.docs): FastAPI's load from a CDN.
    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False},
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)
    engine = create_engine(settings.database_url)
    held = state(
        settings=settings, engine=engine, sessions=session_factory(engine),
        changes=ChangeFeed(engine, max_age=settings.read_cache_seconds if read_cache else 0),
        verifier=verifier or TokenVerifier(
            audience=settings.service_name, issuer=settings.issuer, jwks_url=settings.jwks_url,
            jwks_file=settings.jwks_file, cache_seconds=settings.jwks_cache_seconds),
        cipher=PiiCipher(settings.pii_keys, settings.blind_index_key),
        metrics=CollectorRegistry(), idempotency_model=idempotency_model)
    # Starlette declares app.state a State; nothing in it or FastAPI reads it but us.
    app.state = held  # type: ignore[assignment]
    Gauge("read_cache_live", "1 while the change feed listens and hot reads may be answered "
          "from memory", registry=held.metrics).set_function(lambda: float(held.changes.live))
    install_error_handlers(app)
    token_url = (settings.public_identity_url or settings.identity_url).rstrip("/") + "/v1/token"
    install_openapi(app, token_url=token_url)
    # Routes go on the app's own router, flat, services' first (their busiest routes lead), then
    # health: FastAPI matches an included router through a wrapper that matches its routes
    # twice (once to choose it, once to dispatch), which cost a GET more than its handler did.
    for router in [*routers, _health_router(), docs_router(title, token_url)]:
        _add_flat(app, router)
    app.add_middleware(RequestContextMiddleware, max_body=settings.max_body_bytes,
                       registry=held.metrics, service=settings.service_name,
                       body_limits=body_limits)
    return app


