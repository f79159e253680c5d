"""OpenAPI documents that say what each route really answers.

FastAPI documents a route's success and a 422 in its own shape. Every error here is an RFC
9457 problem, and most routes answer more: 401/403 from the token dependencies, 404 on a
path lookup, 409 on a write, 412/428 around If-Match, 503 when the database or a service it
calls is down. `complete_openapi` adds those to every operation, from the route's method, its
parameters and the dependencies it uses, once when the document is first built; so a route
added later is covered without doing anything. A dependency that can answer a status of its
own says so with `declare_statuses(dep, 503)`; a handler that raises something its
dependencies do not explain lists it in `responses=` on its decorator, as before.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from porttrust_shared.errors import PROBLEM_MEDIA_TYPE, TYPE_BASE
from porttrust_shared.examples import example_for

_DECLARED: dict[Callable[..., Any], frozenset[int]] = {}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REASONS = {
    400: "Bad request (an invalid cursor, or a request the route cannot read)",
    401: "No valid bearer token (see WWW-Authenticate)",
    403: "The token lacks a role this route needs",
    404: "Not found (or outside the caller's province)",
    405: "Method not allowed (see Allow)",
    409: "Conflicts with the current state or an existing record",
    412: "If-Match does not name the current version",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "The request did not validate (rejected values are never echoed)",
    428: "If-Match is required",
    429: "Too many attempts; retry after Retry-After seconds",
    503: "The database or a service this one depends on is unavailable",
}
_TITLES = {400: "Bad request", 401: "Authentication required", 403: "Forbidden",
           404: "Not found", 405: "Method not allowed", 409: "Conflict",
           412: "Precondition failed", 413: "Request body too large",
           415: "Unsupported media type", 422: "Request validation failed",
           428: "Precondition required", 429: "Too many requests",
           503: "A service this depends on is down"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Extra members (e.g. `missing`, `errors`) may "
                   "follow; a rejected value is never echoed.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path (PII masked)."},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemError"}},
    },
    "additionalProperties": True,
}
PROBLEM_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ProblemError", "type": "object", "required": ["loc", "msg", "type"],
    "properties": {"loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                   "msg": {"type": "string"}, "type": {"type": "string"}},
}
_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"},
                               "description": "Bearer challenge (RFC 6750)"}},
    405: {"Allow": {"schema": {"type": "string"}, "description": "The methods the path takes"}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
}


def declare_statuses(dependency: Callable[..., Any], *statuses: int) -> Callable[..., Any]:
    """Record that a route using `dependency` may answer `statuses` (returns it unchanged)."""
    _DECLARED[dependency] = _DECLARED.get(dependency, frozenset()) | frozenset(statuses)
    return dependency


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def statuses_of(route: Any, method: str, op: dict[str, Any]) -> set[int]:
    """The error statuses `route` can answer, from its shape and its dependencies."""
    found: set[int] = set()
    has_body = route.body_field is not None or "requestBody" in op
    params = [p for d in _dependants(route.dependant) for p in
              (*d.path_params, *d.query_params, *d.header_params, *d.cookie_params)]
    for dep in _dependants(route.dependant):
        if dep.call is not None:
            found |= _DECLARED.get(dep.call, frozenset())
    if route.dependant.path_params:
        found.add(404)
    if params or has_body:
        found.add(422)
    if has_body:
        found |= {400, 413}  # a body that is not UTF-8 JSON; one over the size cap
    names = {p.alias.lower() for p in params}
    if "cursor" in names:
        found.add(400)
    if "if-match" in names:
        found |= {412, 428}
    if method in WRITE_METHODS and 503 in found:
        found.add(409)  # a write on the database: a unique or state conflict
    return found


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    schema = "#/components/schemas/Problem"
    example = {"type": TYPE_BASE + _TITLES.get(status, "error").lower().replace(" ", "-"),
               "title": _TITLES.get(status, "Error"), "status": status,
               "detail": REASONS.get(status, "Error") + ".", "instance": "/v1/..."}
    response: dict[str, Any] = {
        "description": description or REASONS.get(status, "Error"),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": schema}, "example": example}},
    }
    if status in _HEADERS:
        response["headers"] = copy.deepcopy(_HEADERS[status])
    return response


def _complete_operation(op: dict[str, Any], statuses: set[int],
                        components: dict[str, Any]) -> None:
    responses = op.setdefault("responses", {})
    for code in sorted(statuses):
        responses.setdefault(str(code), {"description": REASONS.get(code, "Error")})
    for code, response in responses.items():
        if code.isdigit() and int(code) >= 400:
            responses[code] = _problem_response(int(code), response.get("description"))
        else:
            _add_example(response, components)
    body = op.get("requestBody", {}).get("content", {})
    for media in body.values():
        _add_example(media, components)
    for param in op.get("parameters", []):
        if "example" not in param and "examples" not in param and "schema" in param:
            param["example"] = example_for(param["schema"], components, name=param["name"])


def _add_example(holder: dict[str, Any], components: dict[str, Any]) -> None:
    for media_type, media in holder.get("content", {}).items():
        if "json" in media_type and "schema" in media and not (
                "example" in media or "examples" in media):
            media["example"] = example_for(media["schema"], components)
    if "schema" in holder and "example" not in holder and "examples" not in holder:
        holder["example"] = example_for(holder["schema"], components)


def complete_openapi(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["ProblemError"] = PROBLEM_ERROR_SCHEMA
    seen: dict[str, str] = {}
    for route in api_routes(app):
        for method in route.methods or ():
            op = schema["paths"].get(route.path_format, {}).get(method.lower())
            if op is None:
                continue
            _complete_operation(op, statuses_of(route, method, op), components)
            op["operationId"] = route.operation_id or route.name
            where = f"{method} {route.path_format}"
            if seen.setdefault(op["operationId"], where) != where:
                raise ValueError(f"operationId {op['operationId']} of {where} is already "
                                 f"{seen[op['operationId']]}'s: rename one handler")
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every documented API route, those of routers included with `include_router` too."""
    for context in routing.iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context


def install_openapi(app: FastAPI, *, token_url: str) -> None:
    """Build the document once, completed, with Swagger's Authorize pointing at identity.
    operationId: the handler's verb_noun name (STYLE.md), the same style in every service."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for scheme in schema.get("components", {}).get("securitySchemes", {}).values():
                for flow in scheme.get("flows", {}).values():
                    if "tokenUrl" in flow:
                        flow["tokenUrl"] = token_url
            app.openapi_schema = complete_openapi(app, schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
