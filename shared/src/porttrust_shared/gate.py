"""The token before the body: every route that takes a bearer token checks it first.

FastAPI reads and parses a request's body before it solves the route's dependencies, so the
token dependency alone lets an anonymous client make the server read, buffer and parse
whatever it sends. The gate wraps the ASGI app of each such route (one whose dependencies
reach `deps.Bearer`, the token-and-role check): it verifies the token from the headers and
answers 401 before one byte of the body is received. The principal it verified stays in the
scope, and `Bearer` returns it instead of verifying again. Routes without a token
dependency (token, JWKS, health, metrics, docs) are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from porttrust_shared.deps import PRINCIPAL_KEY, Bearer, bearer_token
from porttrust_shared.errors import Unauthorized, problem_response
from porttrust_shared.state import ServiceState


class TokenGate:
    """A route's ASGI app behind a token check."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            token = bearer_token(_authorization(scope))
            scope[PRINCIPAL_KEY] = await ServiceState.of(scope["app"]).verifier.verify(token)
        except Unauthorized as problem:
            await problem_response(problem, Request(scope))(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _authorization(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"authorization":
            return str(value.decode("latin-1"))
    return None


def needs_token(dependant: Dependant) -> bool:
    return isinstance(dependant.call, Bearer) or any(needs_token(d) for d in dependant.dependencies)


def gate_routes(routes: Iterable[BaseRoute]) -> None:
    """Put every route that takes a bearer token behind a TokenGate (once)."""
    for route in routes:
        if (isinstance(route, APIRoute) and not isinstance(route.app, TokenGate)
                and needs_token(route.dependant)):
            route.app = TokenGate(route.app)
