"""The four services as real processes: tokens from identity work everywhere they should,
and only there; health, readiness and metrics answer on every service."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from porttrust_dev.stack import SERVICES, Stack

pytestmark = pytest.mark.e2e

# An authenticated read on each token-verifying service (ARCHITECTURE.md contract) and the
# status an hq_admin token gets there; a refused token answers 401, never 404.
AUTHENTICATED = {
    "registry": ("GET", "/v1/organizations", 200),
    "credit": ("GET", "/v1/blacklist", 200),
    "whitelist": ("GET", "/v1/entries", 200),
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(stack: Stack, service: str, path: str, token: str | None = None) -> httpx.Response:
    return httpx.get(stack.url(service) + path, headers=bearer(token) if token else {},
                     timeout=10)


def call_authenticated(stack: Stack, service: str, token: str | None) -> httpx.Response:
    method, path, _ = AUTHENTICATED[service]
    return httpx.request(method, stack.url(service) + path,
                         headers=bearer(token) if token else {}, timeout=10)


def test_jwks_publishes_an_es256_signing_key(stack: Stack) -> None:
    keys = get(stack, "identity", "/.well-known/jwks.json").json()["keys"]
    assert keys
    assert {(key["kty"], key["crv"], key["alg"]) for key in keys} == {("EC", "P-256", "ES256")}
    assert all(key["kid"] for key in keys)


def test_wrong_admin_password_is_refused(stack: Stack) -> None:
    form = {"grant_type": "password", "username": "admin", "password": "not-the-password"}
    response = httpx.post(stack.url("identity") + "/v1/token", data=form, timeout=10)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("service", sorted(AUTHENTICATED))
def test_admin_token_from_identity_is_accepted(stack: Stack, admin_token: str,
                                               service: str) -> None:
    response = call_authenticated(stack, service, admin_token)
    assert response.status_code == AUTHENTICATED[service][2], response.text


@pytest.mark.parametrize("service", sorted(AUTHENTICATED))
def test_call_without_a_token_is_refused(stack: Stack, service: str) -> None:
    response = call_authenticated(stack, service, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("service", sorted(AUTHENTICATED))
def test_malformed_token_is_refused_with_a_problem_not_a_crash(stack: Stack,
                                                               service: str) -> None:
    response = call_authenticated(stack, service, "not.a.jwt")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("service", SERVICES)
def test_callers_request_id_comes_back(stack: Stack, service: str) -> None:
    response = httpx.get(stack.url(service) + "/healthz", headers={"X-Request-ID": "e2e-trace-1"},
                         timeout=10)
    assert response.headers["x-request-id"] == "e2e-trace-1"


@pytest.mark.parametrize("service", ["credit", "whitelist"])
def test_token_for_registry_only_is_refused_elsewhere(stack: Stack, service: str,
                                                     token_for: Callable[[str], str]) -> None:
    response = call_authenticated(stack, service, token_for("registry"))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_token_for_registry_only_is_refused_by_identity(
        stack: Stack, token_for: Callable[[str], str]) -> None:
    client = {"name": "refused gateway", "roles": ["gateway"], "province": "44"}
    response = httpx.post(stack.url("identity") + "/v1/clients", json=client,
                          headers=bearer(token_for("registry")), timeout=10)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_token_for_registry_only_is_accepted_by_registry(
        stack: Stack, token_for: Callable[[str], str]) -> None:
    response = call_authenticated(stack, "registry", token_for("registry"))
    assert response.status_code == AUTHENTICATED["registry"][2], response.text


def test_service_client_gets_a_token_with_client_credentials(stack: Stack) -> None:
    form = {"grant_type": "client_credentials", "client_id": "svc-registry",
            "client_secret": stack.secrets()["registry"], "audience": "credit"}
    response = httpx.post(stack.url("identity") + "/v1/token", data=form, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]


@pytest.mark.parametrize("service", SERVICES)
def test_healthz_answers(stack: Stack, service: str) -> None:
    assert get(stack, service, "/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("service", SERVICES)
def test_readyz_answers_with_the_database_reachable(stack: Stack, service: str) -> None:
    response = get(stack, service, "/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.parametrize("service", SERVICES)
def test_metrics_count_requests_in_prometheus_format(stack: Stack, service: str) -> None:
    get(stack, service, "/healthz")
    response = get(stack, service, "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in response.text
