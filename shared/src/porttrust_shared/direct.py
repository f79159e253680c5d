"""Hot routes answered without FastAPI's per-request machinery.

FastAPI answers every request through layers made for every kind of route: a Request and two
exit stacks, the dependency solver (which classifies each dependency again on every
request), the endpoint runner and the response serialiser. On a send check that is about
70 us of CPU, a fifth of what the check costs its process. A route whose handler is marked
`@direct` is answered by calling its dependencies and its handler straight away; it must be
flat, as the hot routes are: each dependency an async callable of the request alone (a role
check, a `state_dep`), no parameter FastAPI would read (path, query, header, body), and a
handler that returns a `Response`. Its declaration is FastAPI's as before (OpenAPI, the
statuses, the token gate in front of it), and whatever it raises goes to the app's error
handlers as before. A marked route that is not flat is refused when the app is first called.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

F = TypeVar("F", bound=Callable[..., Any])
_MARKED: set[Callable[..., Any]] = set()


def direct(handler: F) -> F:
    """Mark a route handler to be answered without FastAPI's solver (see the module)."""
    _MARKED.add(handler)
    return handler


class DirectApp:
    """A flat route's ASGI app: its dependencies called with the request, then its handler."""

    def __init__(self, route: APIRoute) -> None:
        self.handler = route.endpoint
        self.request_name = route.dependant.request_param_name
        self.dependencies = _flat(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        values: dict[str, Any] = {}
        if self.request_name is not None:
            values[self.request_name] = request
        for name, call in self.dependencies:
            values[name] = await call(request)
        response = await self.handler(**values)
        if not isinstance(response, Response):
            raise TypeError(f"{self.handler.__name__} is @direct: it must return a Response")
        await response(scope, receive, send)


class DirectDispatch:
    """Inside the app's exception middleware (so errors are rendered as before): a request
    for a direct route of fixed path (`POST /v1/send-checks`) goes straight to that route's
    app, its token gate then its DirectApp, past FastAPI's per-request exit stack (kept for
    dependencies with yield and uploaded files, which a flat route has none of) and the
    router's walk, with the scope the router would have given it; any other goes on as
    before. Another 55k of a send check's 667k instructions."""

    def __init__(self, app: ASGIApp, router: Any, routes: Iterable[BaseRoute]) -> None:
        self.app, self.router = app, router
        self.routes = {(method, route.path): route for route in routes
                       if isinstance(route, APIRoute) and not route.param_convertors
                       and isinstance(getattr(route.app, "app", route.app), DirectApp)
                       for method in route.methods or ()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (self.routes.get((scope.get("method", ""), scope["path"]))
                 if scope["type"] == "http" and not scope.get("root_path") else None)
        if route is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("router", self.router)
        scope.update(endpoint=route.endpoint, path_params={}, route=route)
        await route.app(scope, receive, send)


def direct_routes(routes: Iterable[BaseRoute]) -> None:
    """Answer every marked route with a DirectApp (once)."""
    for route in routes:
        if (isinstance(route, APIRoute) and route.endpoint in _MARKED
                and not isinstance(route.app, DirectApp)):
            route.app = DirectApp(route)


def _flat(route: APIRoute) -> list[tuple[str, Callable[[Request], Awaitable[Any]]]]:
    """The route's dependencies by parameter name, or a TypeError when it is not flat."""
    where = f"{route.endpoint.__name__} is @direct but"
    if not inspect.iscoroutinefunction(route.endpoint):
        raise TypeError(f"{where} not async")
    if _reads_more_than_the_request(route.dependant):
        raise TypeError(f"{where} takes parameters FastAPI would read")
    flat = []
    for dependency in route.dependant.dependencies:
        name, call = dependency.name, dependency.call
        if (name is None or call is None or dependency.request_param_name is None
                or dependency.dependencies or not _awaitable(call)
                or _reads_more_than_the_request(dependency)):
            raise TypeError(f"{where} its dependency {name} is not an async callable of the "
                            "request alone")
        flat.append((name, call))
    return flat


def _reads_more_than_the_request(dependant: Dependant) -> bool:
    return bool(dependant.path_params or dependant.query_params or dependant.header_params
                or dependant.cookie_params or dependant.body_params
                or dependant.websocket_param_name or dependant.http_connection_param_name
                or dependant.response_param_name or dependant.background_tasks_param_name
                or dependant.security_scopes_param_name)


def _awaitable(call: Callable[..., Any]) -> bool:
    """An async function, or an instance with an async __call__ (a role check)."""
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        type(call).__call__)
