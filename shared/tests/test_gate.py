"""The token before the body: a protected route answers 401 before it reads a byte of it."""

import json
from typing import Any

from porttrust_shared.tokens import Principal

PROBLEM = "application/problem+json"


class Recorder:
    """An ASGI conversation driven by hand: the body offered, what was read, what was sent."""

    def __init__(self, body: bytes) -> None:
        self.body, self.reads, self.sent = body, 0, []

    async def receive(self) -> dict[str, Any]:
        self.reads += 1
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    def header(self, name: bytes) -> str:
        return dict(self.sent[0]["headers"])[name].decode()


def scope_for(path: str, headers: dict[str, str], method: str = "POST") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
            "server": ("test", 80), "client": ("192.0.2.1", 1234),
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}


async def call(app, path: str, headers: dict[str, str], body: bytes) -> Recorder:
    conversation = Recorder(body)
    await app(scope_for(path, headers), conversation.receive, conversation.send)
    return conversation


async def test_no_token_is_401_before_the_body_is_read(app):
    sent = await call(app, "/v1/notes", {"content-type": "application/json"}, b'{"name": "x"}')
    assert (sent.status, sent.reads) == (401, 0)
    assert sent.header(b"content-type") == PROBLEM
    assert sent.header(b"www-authenticate") == 'Bearer realm="porttrust"'


async def test_a_forged_token_is_401_before_the_body_is_read(app):
    sent = await call(app, "/v1/notes", {"authorization": "Bearer not.a.token",
                                         "content-type": "application/json"}, b'{"name": "x"}')
    assert (sent.status, sent.reads) == (401, 0)
    assert "invalid_token" in sent.header(b"www-authenticate")


async def test_a_valid_token_reaches_the_handler_with_its_body(app, headers):
    sent = await call(app, "/v1/notes", {**headers("auditor", sub="ann"),
                                         "content-type": "application/json"}, b'{"name": "x"}')
    assert sent.status == 200
    assert json.loads(sent.sent[1]["body"]) == {"name": "x", "sub": "ann"}


async def test_the_token_is_verified_once_per_request(app, headers):
    real, calls = app.state.verifier, []

    class Counting:
        async def verify(self, token: str) -> Principal:
            calls.append(token)
            return await real.verify(token)

    app.state.verifier = Counting()
    try:
        sent = await call(app, "/v1/notes", {**headers("auditor"),
                                             "content-type": "application/json"}, b'{"name": "x"}')
    finally:
        app.state.verifier = real
    assert (sent.status, len(calls)) == (200, 1)


async def test_a_route_without_a_token_dependency_stays_public(app):
    sent = await call(app, "/v1/uploads", {"content-type": "application/json"}, b'{"a": 1}')
    assert (sent.status, sent.reads) == (200, 1)


async def test_health_stays_public(client):
    assert (await client.get("/healthz")).status_code == 200


async def test_openapi_still_shows_the_security_scheme(client):
    operation = (await client.get("/openapi.json")).json()["paths"]["/v1/notes"]["post"]
    assert operation["security"] == [{"PortTrust": []}]
