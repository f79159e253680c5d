"""RFC 9457 problem details: one error shape for every failure, validation included."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from porttrust_shared.pii import scrub

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://porttrust.dev/problems/"
log = logging.getLogger("porttrust.errors")


class Problem(Exception):
    """A domain error that knows its HTTP status; one handler renders them all."""

    type: str = "about:blank"
    title: str = "Error"
    status: int = 400

    def __init__(
        self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def __init_subclass__(cls, *, problem: tuple[str, str, int] | None = None,
                          **kwargs: Any) -> None:
        """`class NotFound(Problem, problem=("not-found", "Not found", 404))`: the kind's
        type (a slug under TYPE_BASE), title and status, declared in one line."""
        super().__init_subclass__(**kwargs)
        if problem is not None:
            slug, cls.title, cls.status = problem
            cls.type = TYPE_BASE + slug

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(Problem, problem=("bad-request", "Bad request", 400)):
    """A request its schema could not refuse: a forged cursor, an unreadable body."""


class Unauthorized(Problem, problem=("unauthorized", "Authentication required", 401)):
    """No valid bearer token; the answer carries the RFC 6750 challenge."""

    def __init__(self, detail: str | None = None, *, token_sent: bool = True,
                 **extra: Any) -> None:
        # RFC 6750 3.1: a request without a token gets the challenge but no error code.
        challenge = 'Bearer realm="porttrust"'
        if token_sent:
            challenge += ', error="invalid_token"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge}, **extra)


class Forbidden(Problem, problem=("forbidden", "Forbidden", 403)):
    """The caller may not do this: a role, a province, a two-person rule."""


class NotFound(Problem, problem=("not-found", "Not found", 404)):
    """No such thing, or one outside the caller's province."""


class Conflict(Problem, problem=("conflict", "Conflict", 409)):
    """The thing's state forbids it, or it exists already."""


class PreconditionFailed(Problem, problem=("precondition-failed", "Precondition failed", 412)):
    """If-Match names a version that is no longer current."""


class PreconditionRequired(Problem, problem=(
        "precondition-required", "Precondition required", 428)):
    """A change that needs If-Match came without it."""


class PayloadTooLarge(Problem, problem=("payload-too-large", "Request body too large", 413)):
    """A body over its cap."""


class Unprocessable(Problem, problem=("validation-error", "Request validation failed", 422)):
    """A body or parameter that does not validate (never echoed)."""


class HeadersTooLarge(Problem, problem=(
        "request-header-fields-too-large", "Request header fields too large", 431)):
    """A request line and headers over their cap."""


class InternalError(Problem, problem=("internal", "Internal server error", 500)):
    """Anything unexpected: logged, answered without its detail."""

    def __init__(self) -> None:
        super().__init__("An unexpected error occurred; it has been logged.")


class DependencyUnavailable(Problem, problem=(
        "dependency-unavailable", "A service this depends on is down", 503)):
    """The database or another service cannot answer now."""


class BodyRefused(StarletteHTTPException):
    """Raised from `receive` while a body is read (too large, a NUL character): FastAPI lets
    an HTTPException out of its body reading as it is (anything else becomes a bare 400
    there), and `_on_http` renders the problem it carries."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.status, problem.detail)
        self.problem = problem


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    # A path may hold an ID number or a phone (a lookup by number): masked, never echoed.
    instance = scrub(request.url.path) if request is not None else None
    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # The rejected value ("input") and pydantic's echo of it ("ctx") are never returned:
    # they may be an ID number or a phone.
    errors = []
    for err in exc.errors():
        # A location can be a client-chosen key (a dict body): masked like a log line.
        loc = [scrub(str(part)) for part in err.get("loc", ())]
        errors.append({"loc": loc, "msg": scrub(_safe_msg(err)),
                       "type": err.get("type", "invalid")})
    return errors


def _safe_msg(err: Any) -> str:
    msg = str(err.get("msg", "invalid value"))
    if err.get("type") == "value_error":
        return msg.removeprefix("Value error, ")
    if "input" in err and str(err["input"]) in msg:
        return "invalid value"
    return msg


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, request)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    broken = [e for e in exc.errors() if e.get("type") == "json_invalid"]
    if broken:
        return problem_response(_invalid_json(broken[0], exc.body), request)
    errors = _validation_errors(exc)
    detail = "The request did not validate."
    if _body_not_declared_json(request, errors):
        detail += (" The body was not sent as JSON: send it with "
                   "Content-Type: application/json.")
    return problem_response(Unprocessable(detail, errors=errors), request)


def _invalid_json(error: Any, doc: Any) -> Unprocessable:
    """Where the JSON breaks and why (the decoder's reason), never the text around it."""
    loc = error.get("loc", ())
    pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
    text = doc if isinstance(doc, str) else ""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    reason = str((error.get("ctx") or {}).get("error", "malformed"))
    where = f"invalid JSON at line {line}, column {column}: {reason}"
    return Unprocessable(f"The body is {where}.", errors=[
        {"loc": ["body"], "msg": where, "type": "json_invalid"}])


def _body_not_declared_json(request: Request, errors: list[dict[str, Any]]) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    sent_body = request.headers.get("content-length", "0") != "0" or \
        "transfer-encoding" in request.headers
    is_json_or_form = content_type.endswith(("json", "form-urlencoded", "form-data"))
    return sent_body and not is_json_or_form and any(e["loc"][:1] == ["body"] for e in errors)


def _allowed_methods(request: Request) -> str:
    """Every method the path takes: Starlette's own Allow names only the first route's."""
    path, methods = request.scope.get("path", ""), set()
    for route in iter_route_contexts(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyRefused):
        return problem_response(exc.problem, request)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        return problem_response(BadRequest("The body is not valid JSON: it is not UTF-8."),
                                request)
    problem = Problem(str(exc.detail) if exc.detail else None, headers=dict(exc.headers or {}))
    if exc.status_code == 405:
        problem.headers["Allow"] = _allowed_methods(request)
    problem.status = exc.status_code
    problem.title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
    problem.type = TYPE_BASE + problem.title.lower().replace(" ", "-")
    return problem_response(problem, request)


async def _on_integrity(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity violation on %s", request.url.path)
    return problem_response(Conflict("The record conflicts with an existing one."), request)


async def _on_operational(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable on %s: %s", request.url.path, type(exc).__name__)
    return problem_response(DependencyUnavailable("The database cannot be reached."), request)


async def _on_dbapi(request: Request, exc: Exception) -> JSONResponse:
    """A connection that broke (the server restarted, the network dropped) is the database
    being unavailable, 503, like a refused one; any other driver error is a bug, 500."""
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated or isinstance(exc, InterfaceError) or _server_unavailable(exc):
        return await _on_operational(request, exc)
    return await _on_unexpected(request, exc)


# SQLSTATE classes: 08 connection exception, 57 operator intervention ("the database system
# is starting up", "terminating connection due to administrator command").
_UNAVAILABLE_STATES = ("08", "57")


def _server_unavailable(exc: DBAPIError) -> bool:
    cause: BaseException | None = exc.orig
    while cause is not None:
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES):
            return True
        cause = cause.__cause__
    return False


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return problem_response(InternalError(), request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(IntegrityError, _on_integrity)
    app.add_exception_handler(OperationalError, _on_operational)
    app.add_exception_handler(DBAPIError, _on_dbapi)
    # Refused or reset while connecting (asyncpg raises these unwrapped): the database is down.
    app.add_exception_handler(ConnectionError, _on_operational)
    app.add_exception_handler(Exception, _on_unexpected)
