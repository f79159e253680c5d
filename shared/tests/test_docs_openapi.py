"""Offline documentation pages and an OpenAPI document that says what routes answer."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, Depends

from porttrust_shared.app import create_service_app
from porttrust_shared.deps import ReadSessionDep, SessionDep, require_roles
from porttrust_shared.docs import ASSETS
from porttrust_shared.errors import PROBLEM_MEDIA_TYPE

PROBLEM = "application/problem+json"
EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


async def test_swagger_ui_page_loads_only_its_own_assets(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    assert not EXTERNAL.search(response.text)
    assert 'src="docs/static/swagger-ui-bundle.js"' in response.text
    assert 'href="docs/static/swagger-ui.css"' in response.text
    assert 'href="docs/static/favicon.png"' in response.text


async def test_redoc_page_loads_no_web_font(client):
    response = await client.get("/redoc")
    assert response.status_code == 200
    assert "fonts.googleapis" not in response.text
    assert not EXTERNAL.search(response.text)
    assert 'src="docs/static/redoc.standalone.js"' in response.text


async def test_docs_pages_forbid_other_origins_but_identity(client, settings):
    policy = (await client.get("/docs")).headers["content-security-policy"]
    identity = settings.public_identity_url or settings.identity_url
    assert "default-src 'self'" in policy
    assert f"connect-src 'self' {identity.rstrip('/')};" in policy
    assert "img-src 'self' data:" in policy


async def test_every_asset_is_served_from_the_installed_package(client):
    for name in ASSETS:
        response = await client.get(f"/docs/static/{name}")
        assert response.status_code == 200, name
        assert len(response.content) > 100, name
    assert (await client.get("/docs/static/swagger-ui-bundle.js")).headers[
        "content-type"].startswith("text/javascript")


async def test_an_unknown_asset_is_a_404_problem(client):
    response = await client.get("/docs/static/../settings.py")
    assert response.status_code == 404
    assert (await client.get("/docs/static/evil.js")).headers["content-type"] == PROBLEM


async def test_docs_pages_are_not_in_the_openapi_document(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]


async def test_every_error_response_is_a_problem(client):
    doc = (await client.get("/openapi.json")).json()
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for code, response in op["responses"].items():
                if int(code) >= 400:
                    content = response["content"]
                    assert list(content) == [PROBLEM_MEDIA_TYPE], (method, path, code)
                    assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


async def test_statuses_follow_the_dependencies(client):
    doc = (await client.get("/openapi.json")).json()
    created = doc["paths"]["/v1/items"]["post"]["responses"]
    assert {"201", "400", "401", "409", "413", "422", "503"} <= set(created)
    listed = doc["paths"]["/v1/items"]["get"]["responses"]
    assert {"400", "503"} <= set(listed)
    assert "401" not in listed  # no token dependency: it cannot answer 401
    assert set(doc["paths"]["/healthz"]["get"]["responses"]) == {"200"}
    assert "503" in doc["paths"]["/readyz"]["get"]["responses"]
    assert "WWW-Authenticate" in doc["paths"]["/v1/whoami"]["get"]["responses"]["401"]["headers"]


def test_a_role_check_adds_401_and_403_and_a_path_lookup_404(settings):
    router = APIRouter()

    @router.patch("/v1/things/{thing_id}", dependencies=[Depends(require_roles("hq_admin"))])
    async def update_thing(thing_id: str, session: SessionDep) -> None: ...

    @router.get("/v1/things")
    async def list_things(session: ReadSessionDep) -> list[str]:
        return []

    app = create_service_app(settings, title="t", description="d", routers=[router],
                             idempotency_model=None)
    doc = app.openapi()
    patch = set(doc["paths"]["/v1/things/{thing_id}"]["patch"]["responses"])
    assert {"401", "403", "404", "409", "422", "503"} <= patch
    assert set(doc["paths"]["/v1/things"]["get"]["responses"]) == {"200", "503"}
    assert doc["paths"]["/v1/things"]["get"]["operationId"] == "list_things"


def test_two_handlers_of_one_name_are_refused(settings):
    first, second = APIRouter(), APIRouter()

    @first.get("/v1/a")
    async def list_things() -> list[str]:
        return []

    @second.get("/v1/b", name="list_things")
    async def other() -> list[str]:
        return []

    app = create_service_app(settings, title="t", description="d", routers=[first, second],
                             idempotency_model=None)
    with pytest.raises(ValueError, match="operationId list_things"):
        app.openapi()


async def test_operation_ids_are_the_handler_names(client):
    doc = (await client.get("/openapi.json")).json()
    assert doc["paths"]["/v1/items"]["post"]["operationId"] == "create_item"
    assert doc["paths"]["/v1/audit-events"]["get"]["operationId"] == "list_audit_events"


async def test_every_operation_shows_examples(client):
    doc = (await client.get("/openapi.json")).json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                assert "example" in body or "examples" in body, (method, path)
            for code, response in op["responses"].items():
                for media in response.get("content", {}).values():
                    assert "example" in media or "examples" in media, (method, path, code)


async def test_405_allows_every_method_of_the_path(client):
    response = await client.delete("/v1/items")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_malformed_json_says_where_without_echoing(client):
    body = b'{\n  "name": "x",\n  "id_number": "1101'
    response = await client.post("/v1/people", content=body,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "invalid JSON at line 3, column 16" in detail
    assert "1101" not in response.text
    assert response.json()["errors"][0]["loc"] == ["body"]


async def test_a_json_body_without_its_content_type_gets_a_hint(client):
    response = await client.post("/v1/people", content=b'{"name": "x"}',
                                 headers={"content-type": "text/plain"})
    assert response.status_code == 422
    assert "Content-Type: application/json" in response.json()["detail"]


async def test_a_body_that_is_not_utf8_is_a_400_problem(client):
    response = await client.post("/v1/people", content=b'{"name": "\xff"}',
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "UTF-8" in response.json()["detail"]
