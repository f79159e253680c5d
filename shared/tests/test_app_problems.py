"""The app factory: every error is problem+json; health, metrics, request ids, body cap."""

import json
import logging

import httpx

from porttrust_shared.app import create_service_app
from porttrust_shared.logs import JsonFormatter

PROBLEM = "application/problem+json"
BAD_ID = "11010519491231002Y"  # right shape, wrong check character


async def test_unknown_path_is_404_problem(client):
    response = await client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 404
    assert response.json()["instance"] == "/v1/nowhere"


async def test_wrong_method_is_405_problem(client):
    response = await client.delete("/v1/whoami")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Method not allowed"


async def test_bad_id_number_in_body_is_422_problem(client):
    response = await client.post("/v1/people", json={"name": "张三", "id_number": BAD_ID})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["loc"] == ["body", "id_number"]


async def test_422_never_echoes_the_rejected_value(client):
    response = await client.post("/v1/people", json={"name": "张三", "id_number": BAD_ID})
    assert BAD_ID not in response.text
    assert BAD_ID[:14] not in response.text


async def test_422_for_wrong_type_does_not_echo_the_value(client):
    response = await client.post("/v1/people", json={"name": "张三", "id_number": 13812345678})
    assert response.status_code == 422
    assert "13812345678" not in response.text


async def test_unknown_field_is_422_without_its_value(client):
    body = {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}
    response = await client.post("/v1/people", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "extra_forbidden"
    assert "13812345678" not in response.text


async def test_malformed_json_is_422_problem(client):
    response = await client.post("/v1/people", content=b'{"name": "x", "id_number": "1101',
                                 headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert "1101" not in response.text


async def test_good_id_number_leaves_only_masked(client):
    response = await client.post("/v1/people", json={"name": "张三",
                                                      "id_number": "11010519491231002x"})
    assert response.status_code == 201
    assert response.json()["id_number"] == "110105********002X"


async def test_unexpected_exception_is_500_problem_without_details(client):
    response = await client.get("/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Internal server error"
    assert "11010519491231002X" not in response.text
    assert "RuntimeError" not in response.text


async def test_unique_violation_is_409_problem(client, headers):
    auth = headers("hq_admin")
    await client.post("/v1/items", json={"name": "twin"}, headers=auth)
    response = await client.post("/v1/items", json={"name": "twin"}, headers=auth)
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM


async def test_declared_body_over_the_cap_is_413_problem(client):
    response = await client.post("/v1/uploads", json={"blob": "x" * 2000})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_streamed_body_over_the_cap_is_413_problem(client):
    async def chunks():
        for _ in range(5):
            yield b"x" * 400

    response = await client.post("/v1/uploads", content=chunks(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_streamed_body_under_the_cap_is_read(client):
    async def chunks():
        yield b'{"a": 1,'
        yield b' "b": 2}'

    response = await client.post("/v1/uploads", content=chunks(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"keys": 2}


async def test_healthz_answers_ok(client):
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_readyz_answers_ready_when_the_database_answers(client):
    response = await client.get("/readyz")
    assert response.status_code == 200


async def test_readyz_is_503_problem_when_the_database_is_gone(settings, build_app):
    unreachable = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    app = build_app(settings.model_copy(update={"database_url": unreachable}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/readyz")
    await app.state.engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM


async def test_metrics_count_requests_by_route(client):
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in response.text


def _sample(metrics: str, name: str) -> float:
    [line] = [row for row in metrics.splitlines() if row.startswith(name + " ")]
    return float(line.rsplit(" ", 1)[1])


async def test_metrics_count_every_request_not_only_the_first(client):
    count = 'http_requests_total{method="GET",route="/healthz",status="200"}'
    timed = 'http_request_duration_seconds_count{method="GET",route="/healthz"}'
    await client.get("/healthz")
    before = (await client.get("/metrics")).text
    for _ in range(3):
        await client.get("/healthz")
    after = (await client.get("/metrics")).text
    assert _sample(after, count) - _sample(before, count) == 3
    assert _sample(after, timed) - _sample(before, timed) == 3


async def test_each_request_writes_one_access_line_with_its_route_and_status(client, caplog):
    caplog.set_level(logging.INFO, logger="porttrust.access")
    await client.get("/healthz", headers={"X-Request-ID": "rid-1"})
    [line] = [r for r in caplog.records if r.name == "porttrust.access"]
    assert (line.getMessage(), line.method, line.path, line.status) == (
        "GET /healthz 200", "GET", "/healthz", 200)
    assert line.duration_ms >= 0 and line.service


async def test_request_id_is_echoed(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_a_caller_s_request_id_holding_personal_data_is_masked_where_it_is_shown(
        client):
    """Echoed and logged, a caller's request id is masked as any logged text is."""
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(JsonFormatter().format(record))  # inside the request, as written

    access = logging.getLogger("porttrust.access")
    handler, level = Lines(), access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        response = await client.get("/healthz", headers={"X-Request-ID": "order-13812345678"})
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    assert response.headers["x-request-id"] == "order-138****5678"
    [line] = lines
    assert json.loads(line)["request_id"] == "order-138****5678"
    assert "13812345678" not in line


async def test_request_id_is_made_when_absent(client):
    response = await client.get("/v1/nowhere")
    assert len(response.headers["x-request-id"]) == 32


async def test_each_request_gets_its_own_request_id_of_hex_digits(client):
    made = {(await client.get("/healthz")).headers["x-request-id"] for _ in range(50)}
    assert len(made) == 50
    assert all(len(rid) == 32 and int(rid, 16) >= 0 for rid in made)


async def test_swagger_token_url_follows_settings(client):
    schema = (await client.get("/openapi.json")).json()
    flows = schema["components"]["securitySchemes"]["PortTrust"]["flows"]
    assert flows["password"]["tokenUrl"] == "https://identity.example.org/v1/token"
    assert flows["clientCredentials"]["tokenUrl"] == "https://identity.example.org/v1/token"


async def test_problem_instance_masks_an_id_number_in_the_path(client):
    response = await client.get("/v1/people/11010519491231002X")
    assert response.status_code == 404
    assert "11010519491231002X" not in response.text
    assert response.json()["instance"] == "/v1/people/110105********002X"


async def test_a_500_carries_the_request_id(client):
    response = await client.get("/v1/boom", headers={"X-Request-ID": "rid-500"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "rid-500"


async def test_an_unexpected_error_is_logged_with_personal_data_masked(client, caplog):
    from porttrust_shared.logs import JsonFormatter

    await client.get("/v1/boom")
    record = next(r for r in caplog.records if r.exc_info)
    line = JsonFormatter().format(record)
    assert "RuntimeError" in line
    assert "11010519491231002X" not in line


async def test_a_client_chosen_key_in_an_error_location_is_masked(client):
    response = await client.post("/v1/counts", json={"13812345678": "not a number"})
    assert response.status_code == 422
    assert "13812345678" not in response.text
    assert response.json()["errors"][0]["loc"] == ["body", "138****5678"]


def test_swagger_token_url_prefers_the_public_identity_url(settings, build_app):
    app = build_app(settings.model_copy(update={
        "public_identity_url": "https://login.porttrust.example"}))
    flows = app.openapi()["components"]["securitySchemes"]["PortTrust"]["flows"]
    assert flows["password"]["tokenUrl"] == "https://login.porttrust.example/v1/token"


async def test_metrics_say_whether_reads_may_come_from_memory(client):
    # The test app never starts its change feed (and SQLite never would): 0, reads hit the db.
    response = await client.get("/metrics")
    assert _sample(response.text, "read_cache_live") == 0.0


async def test_only_a_service_that_asks_for_the_read_cache_gets_a_listening_feed(settings):
    on_postgres = settings.model_copy(update={
        "database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"})
    plain = create_service_app(on_postgres, title="t", description="d", routers=[],
                               idempotency_model=None)
    cached = create_service_app(on_postgres, title="t", description="d", routers=[],
                                idempotency_model=None, read_cache=True)
    try:
        assert not plain.state.changes.enabled  # identity, whitelist: no LISTEN connection
        assert plain.state.changes.cache("x") is None
        assert cached.state.changes.enabled
        assert cached.state.changes.cache("x") is not None
    finally:
        await plain.state.engine.dispose()
        await cached.state.engine.dispose()
