"""Cross-service flows over real processes: registry calls credit with the machine
credentials identity bootstrapped, and credit's blacklist decides what registry accepts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from porttrust_dev.stack import Stack
from porttrust_dev.testdata import uscc
from tests.helpers_flows import eventually, second_admin

pytestmark = pytest.mark.e2e


def post(stack: Stack, service: str, path: str, token: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(stack.url(service) + path, json=body, timeout=15,
                      headers={"Authorization": f"Bearer {token}"})


def get(stack: Stack, service: str, path: str, token: str) -> httpx.Response:
    return httpx.get(stack.url(service) + path, timeout=15,
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


def test_whitelist_approval_reaches_registrys_sub_port_flag_through_the_outbox(
        stack: Stack, admin_token: str) -> None:
    holder, sub_port = uscc(0, prefix="91350100MA2XXXXX"), "1062000301"
    register_holder(stack, admin_token, holder, "35")
    assert new_port(stack, admin_token, "10620003", holder, "35").status_code == 201
    created = post(stack, "registry", "/v1/sub-ports", admin_token,
                   {"number": sub_port, "province": "35"})
    assert created.status_code == 201, created.text
    applied = post(stack, "whitelist", "/v1/applications", admin_token, {
        "number": sub_port, "category": "life_safety", "province": "35",
        "justification": "earthquake early warning"})
    assert applied.status_code == 201, applied.text
    # Another person: a user the admin created would count as the admin (four eyes).
    approver = second_admin(stack).token
    approved = post(stack, "whitelist", f"/v1/applications/{applied.json()['id']}/approve",
                    approver, {})
    assert approved.status_code in (200, 201), approved.text
    flagged = eventually(lambda: get(stack, "registry", f"/v1/sub-ports/{sub_port}",
                                     admin_token).json().get("whitelisted"), timeout=20)
    assert flagged is True
