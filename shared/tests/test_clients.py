"""Typed clients: service tokens from identity, network trouble as 503."""

import httpx
import pytest

from porttrust_shared.clients import ServiceClient, ServiceTokens
from porttrust_shared.errors import DependencyUnavailable


class Identity:
    def __init__(self, status=200, body=None) -> None:
        self.calls: list[httpx.Request] = []
        self.status = status
        self.body = body if body is not None else {"access_token": "tok-1", "expires_in": 900}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        return httpx.Response(self.status, json=self.body)


def _tokens(identity) -> ServiceTokens:
    return ServiceTokens(identity_url="http://identity", client_id="registry",
                         client_secret="s" * 32,
                         http=httpx.AsyncClient(transport=httpx.MockTransport(identity)))


async def test_tokens_use_client_credentials_for_the_audience():
    identity = Identity()
    assert await _tokens(identity).token_for("credit") == "tok-1"
    form = dict(httpx.QueryParams(identity.calls[0].content.decode()))
    assert form == {"grant_type": "client_credentials", "client_id": "registry",
                    "client_secret": "s" * 32, "audience": "credit"}


async def test_tokens_are_reused_until_near_expiry():
    identity = Identity()
    tokens = _tokens(identity)
    await tokens.token_for("credit")
    await tokens.token_for("credit")
    await tokens.token_for("whitelist")
    assert len(identity.calls) == 2


@pytest.mark.parametrize(("status", "body"), [(401, {"error": "invalid_client"}),
                                              (200, {"no": "token"}), (200, ["x"])])
async def test_refused_or_unreadable_token_answers_are_503(status, body):
    with pytest.raises(DependencyUnavailable):
        await _tokens(Identity(status, body)).token_for("credit")


def _client(handler) -> ServiceClient:
    client = ServiceClient(base_url="http://credit/", tokens=_tokens(Identity()),
                           http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    client.service = "credit"
    return client


async def test_calls_carry_the_service_token():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    await _client(handler).call("GET", "/v1/x")
    assert seen[0].headers["authorization"] == "Bearer tok-1"
    assert str(seen[0].url) == "http://credit/v1/x"


@pytest.mark.parametrize("status", [500, 502, 503, 401, 403])
async def test_server_errors_and_refused_credentials_are_503(status):
    with pytest.raises(DependencyUnavailable):
        await _client(lambda r: httpx.Response(status)).call("GET", "/v1/x")


async def test_a_refused_connection_is_503():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(DependencyUnavailable) as caught:
        await _client(down).call("GET", "/v1/x")
    assert caught.value.extra == {"service": "credit"}


async def test_client_errors_are_returned_to_the_caller():
    response = await _client(lambda r: httpx.Response(404)).call("GET", "/v1/x")
    assert response.status_code == 404
