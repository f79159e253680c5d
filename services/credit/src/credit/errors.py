"""Problem rendering for this service: `instance` never repeats an ID number from a URL."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from porttrust_shared.pii import scrub

ErrorHandler = Callable[[Request, Any], Response | Awaitable[Response]]


def mask_problem_paths(app: FastAPI) -> None:
    """Wrap every installed error handler so it sees the request path with ID-number-shaped
    parts masked: a caller who wrongly puts an ID number in a URL does not get it echoed."""
    for exc_class, handler in list(app.exception_handlers.items()):
        app.exception_handlers[exc_class] = _masked(handler)


def _masked(handler: ErrorHandler) -> ErrorHandler:
    async def render(request: Request, exc: Any) -> Response:
        path = scrub(request.scope.get("path", ""))
        masked = Request({**request.scope, "path": path, "raw_path": path.encode()},
                         request.receive)
        result = handler(masked, exc)
        return await result if isinstance(result, Awaitable) else result

    return render
