"""Cross-service flows over real processes: registry calls credit with the machine
credentials identity bootstrapped, and credit's blacklist decides what registry accepts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from porttrust_shared.stack import Stack

pytestmark = pytest.mark.e2e


def post(stack: Stack, service: str, path: str, token: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(stack.url(service) + path, json=body, timeout=15,
                      headers={"Authorization": f"Bearer {token}"})


def register_holder(stack: Stack, token: str, uscc: str, province: str) -> None:
    body = {"uscc": uscc, "name": "E2E Holder Co.", "province": province, "roles": ["holder"]}
    response = post(stack, "registry", "/v1/organizations", token, body)
    assert response.status_code == 201, response.text


def new_port(stack: Stack, token: str, number: str, uscc: str, province: str) -> httpx.Response:
    body = {"number": number, "holder_uscc": uscc, "province": province, "scope": "provincial"}
    return post(stack, "registry", "/v1/ports", token, body)


def test_port_for_a_clean_holder_is_registered_after_credit_screens_it(
        stack: Stack, admin_token: str) -> None:
    register_holder(stack, admin_token, "91350100M000100Y43", "35")
    response = new_port(stack, admin_token, "10620001", "91350100M000100Y43", "35")
    assert response.status_code == 201, response.text


def test_holder_blacklisted_at_credit_is_refused_a_port_by_registry(
        stack: Stack, admin_token: str) -> None:
    register_holder(stack, admin_token, "91440300708461136T", "44")
    listed = post(stack, "credit", "/v1/blacklist", admin_token, {
        "subject": {"kind": "holder", "key": "91440300708461136T"},
        "reason": "fraud use of a port", "evidence": "case E2E-1"})
    assert listed.status_code == 201, listed.text
    response = new_port(stack, admin_token, "10620002", "91440300708461136T", "44")
    assert response.status_code == 409
    assert response.json()["type"].endswith("blacklisted")
