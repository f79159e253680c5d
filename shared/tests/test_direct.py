"""A @direct route answers as FastAPI would answer it, without FastAPI's solver."""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.routing import APIRoute

from porttrust_shared.app import create_service_app
from porttrust_shared.deps import require_roles
from porttrust_shared.direct import DirectApp, DirectDispatch, direct, direct_routes
from porttrust_shared.errors import Conflict
from porttrust_shared.state import ServiceState, state_dep
from porttrust_shared.tokens import Principal

Reader = Annotated[Principal, Depends(require_roles("auditor"))]
ServiceName = Annotated[str, Depends(state_dep(ServiceState, lambda s: s.settings.service_name))]


async def _echo(request: Request, actor: Principal, service: str) -> Response:
    body = json.loads(await request.body())
    return Response(json.dumps({"sub": actor.sub, "service": service, "body": body}),
                    media_type="application/json")


def _router() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/direct")
    @direct
    async def echo_direct(request: Request, actor: Reader, service: ServiceName) -> Response:
        return await _echo(request, actor, service)

    @router.post("/v1/solved")
    async def echo_solved(request: Request, actor: Reader, service: ServiceName) -> Response:
        return await _echo(request, actor, service)

    @router.post("/v1/direct-conflict")
    @direct
    async def refuse_direct(actor: Reader) -> Response:
        raise Conflict("Already there.", sub=actor.sub)

    return router


@pytest.fixture
async def direct_api(settings: Any) -> AsyncIterator[FastAPI]:
    app = create_service_app(settings, title="direct", description="direct routes",
                             routers=[_router()], idempotency_model=None)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def direct_client(direct_api: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=direct_api),
                                 base_url="http://test") as client:
        yield client


async def _both(client: httpx.AsyncClient, headers: dict[str, str]
                ) -> tuple[httpx.Response, httpx.Response]:
    body = {"message": "你好"}
    return (await client.post("/v1/direct", json=body, headers=headers),
            await client.post("/v1/solved", json=body, headers=headers))


def _same(direct_answer: httpx.Response, solved: httpx.Response) -> None:
    """The same status and bytes (a problem's instance is the path it was asked on)."""
    content = direct_answer.content.replace(b'"/v1/direct"', b'"/v1/solved"')
    assert (direct_answer.status_code, content) == (solved.status_code, solved.content)
    assert direct_answer.headers["content-type"] == solved.headers["content-type"]
    assert direct_answer.headers["x-request-id"]


async def test_a_direct_route_answers_as_the_solved_one(direct_client, headers):
    answers = await _both(direct_client, headers("auditor", sub="ann"))
    _same(*answers)
    assert answers[0].json() == {"sub": "ann", "service": "demo", "body": {"message": "你好"}}


async def test_a_direct_route_checks_the_role_as_the_solved_one(direct_client, headers):
    answers = await _both(direct_client, headers("enforcement"))
    _same(*answers)
    assert answers[0].status_code == 403


async def test_a_direct_route_checks_the_token_as_the_solved_one(direct_client):
    answers = await _both(direct_client, {})
    _same(*answers)
    assert answers[0].status_code == 401


async def test_a_direct_route_is_answered_without_the_solver(direct_client, headers,
                                                             monkeypatch):
    async def no_solver(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("FastAPI's solver was called")

    monkeypatch.setattr("fastapi.routing.solve_dependencies", no_solver)
    answers = await _both(direct_client, headers("auditor"))
    assert [answer.status_code for answer in answers] == [200, 500]


async def test_only_marked_routes_are_answered_directly(direct_api, direct_client, headers):
    await _both(direct_client, headers("auditor"))
    apps = {route.path: getattr(route.app, "app", route.app)  # behind the token gate
            for route in direct_api.routes if isinstance(route, APIRoute)}
    assert isinstance(apps["/v1/direct"], DirectApp)
    assert not isinstance(apps["/v1/solved"], DirectApp)


async def test_a_problem_raised_by_a_direct_handler_is_the_app_s_problem(direct_client,
                                                                       headers):
    response = await direct_client.post("/v1/direct-conflict", headers=headers("auditor",
                                                                                sub="ann"))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["sub"] == "ann"


def _refused(router: APIRouter) -> str:
    with pytest.raises(TypeError) as refused:
        direct_routes(router.routes)
    return str(refused.value)


def test_a_direct_route_reading_a_parameter_is_refused():
    router = APIRouter()

    @router.get("/v1/search")
    @direct
    async def search(q: str) -> Response:
        return Response(q)

    assert "takes parameters" in _refused(router)


def test_a_direct_route_with_a_plain_function_dependency_is_refused():
    def plain(request: Request) -> str:
        return "sent to the thread pool by FastAPI"

    router = APIRouter()

    @router.get("/v1/plain")
    @direct
    async def uses_plain(value: Annotated[str, Depends(plain)]) -> Response:
        return Response(value)

    assert "dependency value" in _refused(router)


def test_a_direct_route_with_nested_dependencies_is_refused():
    async def inner(request: Request) -> str:
        return "inner"

    async def outer(value: Annotated[str, Depends(inner)]) -> str:
        return value

    router = APIRouter()

    @router.get("/v1/nested")
    @direct
    async def uses_nested(value: Annotated[str, Depends(outer)]) -> Response:
        return Response(value)

    assert "dependency value" in _refused(router)


async def test_a_direct_route_is_dispatched_past_the_router(direct_client, headers,
                                                           monkeypatch):
    """Inside the exception middleware, straight to the route: FastAPI's per-request exit
    stack and the router's walk are for the other routes."""
    walked: list[str] = []
    real = AsyncExitStackMiddleware.__call__

    async def counted(self: Any, scope: Any, receive: Any, send: Any) -> None:
        walked.append(scope["path"])
        await real(self, scope, receive, send)

    monkeypatch.setattr(AsyncExitStackMiddleware, "__call__", counted)
    answers = await _both(direct_client, headers("auditor"))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert walked == ["/v1/solved"]


async def test_a_request_under_a_root_path_goes_the_usual_way(direct_api):
    """Behind a path prefix the router strips it: that request takes the router's way."""
    direct_routes(direct_api.routes)
    usual: list[str] = []

    async def router(scope: Any, receive: Any, send: Any) -> None:
        usual.append(scope["path"])

    dispatch = DirectDispatch(router, direct_api.router, direct_api.routes)
    scope = {"type": "http", "method": "POST", "path": "/v1/direct", "root_path": "/api"}
    await dispatch(scope, None, None)  # type: ignore[arg-type]
    assert usual == ["/v1/direct"]
    assert ("POST", "/v1/direct") in dispatch.routes
    assert ("POST", "/v1/solved") not in dispatch.routes
