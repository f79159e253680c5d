"""Shared pieces of the cross-service flow tests: an HTTP caller per token, valid synthetic
identifiers, the registration of a complete active sub-port, and bounded polling.

Every call goes over real HTTP to real service processes; nothing here is mocked.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from porttrust_dev import testdata
from porttrust_dev.stack import Stack
from porttrust_dev.testdata import id_number

T = TypeVar("T")
POLL_SECONDS = 15.0
PHONE = "13812345678"


@dataclass
class Api:
    """One caller (one token) talking to the stack's services."""

    stack: Stack
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, service: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.post(self.stack.url(service) + path, json=body if body is not None else {},
                          headers=self._headers(), timeout=15)

    def get(self, service: str, path: str) -> httpx.Response:
        return httpx.get(self.stack.url(service) + path, headers=self._headers(), timeout=15)


def password_token(stack: Stack, username: str, password: str) -> str:
    form = {"grant_type": "password", "username": username, "password": password}
    response = httpx.post(stack.url("identity") + "/v1/token", data=form, timeout=15)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def client_token(stack: Stack, client_id: str, client_secret: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": client_id,
            "client_secret": client_secret}
    response = httpx.post(stack.url("identity") + "/v1/token", data=form, timeout=15)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


_SECOND_ADMINS: dict[str, tuple[str, str]] = {}


def second_admin(stack: Stack) -> Api:
    """A second, independent HQ administrator: made on identity's command line (exempt from
    grants, its own root person), as a deployment makes its second person."""
    key = str(stack.var_dir)
    if key not in _SECOND_ADMINS:
        done = subprocess.run(
            [sys.executable, "-m", "identity", "create-client", "--name", "second HQ admin",
             "--roles", "hq_admin"],
            env=stack.env_for("identity"), capture_output=True, text=True, timeout=120,
            check=True)
        values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
        _SECOND_ADMINS[key] = (values["client_id"], values["client_secret"])
    return Api(stack, client_token(stack, *_SECOND_ADMINS[key]))


def approve_grant(stack: Stack, created: httpx.Response) -> None:
    """A privileged role waits for a second person: the independent admin approves it."""
    grant_id = created.json().get("grant_id")
    if grant_id:
        approved = second_admin(stack).post("identity", f"/v1/grants/{grant_id}/approve")
        assert approved.status_code == 200, approved.text


def new_user(admin: Api, username: str, *roles: str) -> Api:
    """A person at identity (hq_admin's POST /v1/users), signed in by password. It counts as
    `admin` for every two-person rule: it is not a second person."""
    password = "flows-" + username + "-Pa55word!"
    created = admin.post("identity", "/v1/users", {
        "username": username, "password": password, "roles": list(roles), "province": "HQ"})
    assert created.status_code == 201, created.text
    approve_grant(admin.stack, created)
    return Api(admin.stack, password_token(admin.stack, username, password))


def new_client(admin: Api, name: str, *roles: str, province: str = "HQ") -> Api:
    """A machine client at identity (POST /v1/clients), signed in by client credentials."""
    created = admin.post("identity", "/v1/clients",
                         {"name": name, "roles": list(roles), "province": province})
    assert created.status_code == 201, created.text
    approve_grant(admin.stack, created)
    return Api(admin.stack, client_token(admin.stack, created.json()["client_id"],
                                         created.json()["client_secret"]))


def uscc(serial: int) -> str:
    """The end-to-end flows' USCCs (Fujian, seven-digit serials unique per test file)."""
    return testdata.uscc(serial, prefix="91350100MA")


def eventually(probe: Callable[[], T], timeout: float = POLL_SECONDS) -> T:
    """Poll `probe` until it returns something truthy or `timeout` passes; the last value
    is returned either way so the caller's assert shows what was seen."""
    deadline = time.monotonic() + timeout
    while not (result := probe()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Parties:
    """Who stands behind one sub-port."""

    holder: str
    user_unit: str
    id_number: str
    handler_id: str
    port: str
    sub_port: str
    province: str


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def register_organization(api: Api, uscc_: str, role: str, province: str) -> None:
    created(api.post("registry", "/v1/organizations", {
        "uscc": uscc_, "name": f"Flows {role} {uscc_[-6:]}", "province": province,
        "roles": [role]}))


def register_verified_handler(api: Api, id_number_: str, organization: str) -> str:
    handler = created(api.post("registry", "/v1/handlers", {
        "name": "张三", "id_number": id_number_, "phone": PHONE,
        "organization_uscc": organization}))
    verified = api.post("registry", f"/v1/handlers/{handler['id']}/verify")
    assert verified.status_code == 200, verified.text
    assert verified.json()["verification"]["status"] == "verified"
    handler_id: str = handler["id"]
    return handler_id


def sub_port_body(number: str, parties: Parties,
                  business_type: str = "notification") -> dict[str, Any]:
    return {"number": number, "province": parties.province, "user_unit_uscc": parties.user_unit,
            "handler_id": parties.handler_id, "business_type": business_type,
            "purpose": "order shipping notices", "machine_room": "Fuzhou A3",
            "equipment": "SMSC-07"}


SERVICE_CLAUSES = ["no_transfer", "no_rent", "no_sublet", "no_out_of_scope", "retain_logs"]


def sign_service_agreement(api: Api, user_unit: str, holder: str) -> None:
    """The user unit signs with its port's holder (R4): a record is complete only then."""
    created(api.post("registry", f"/v1/organizations/{user_unit}/agreements", {
        "kind": "service", "counterparty_uscc": holder, "signed_at": "2026-01-06T08:00:00Z",
        "document_ref": f"service contract {user_unit[-6:]}", "clauses": SERVICE_CLAUSES}))


def register_parties(api: Api, serial: int, province: str = "35",
                     business_type: str = "notification") -> Parties:
    """Holder, user unit, verified handler, port and a complete (still registered) sub-port.
    `serial` (0–999) keeps every identifier of one scenario apart from the others."""
    holder, user_unit = uscc(2 * serial), uscc(2 * serial + 1)
    register_organization(api, holder, "holder", province)
    register_organization(api, user_unit, "user_unit", province)
    person = id_number(serial)
    handler_id = register_verified_handler(api, person, user_unit)
    port = f"10627{serial:03d}"
    created(api.post("registry", "/v1/ports", {
        "number": port, "holder_uscc": holder, "province": province, "scope": "provincial",
        "agreement_signed_at": "2026-01-05T08:00:00Z"}))
    sign_service_agreement(api, user_unit, holder)
    parties = Parties(holder=holder, user_unit=user_unit, id_number=person,
                      handler_id=handler_id, port=port, sub_port=port + "01", province=province)
    sub = created(api.post("registry", "/v1/sub-ports",
                           sub_port_body(parties.sub_port, parties, business_type)))
    assert sub["status"] == "registered"
    assert sub["missing"] == []
    return parties


def activate(api: Api, number: str) -> httpx.Response:
    return api.post("registry", f"/v1/sub-ports/{number}/activate", {})


def register_active(api: Api, serial: int, province: str = "35",
                    business_type: str = "notification") -> Parties:
    parties = register_parties(api, serial, province, business_type)
    response = activate(api, parties.sub_port)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    return parties


def sub_port(api: Api, number: str) -> dict[str, Any]:
    response = api.get("registry", f"/v1/sub-ports/{number}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def status_becomes(api: Api, number: str, wanted: str,
                   timeout: float = POLL_SECONDS) -> str:
    """The sub-port's status once it is `wanted`, or the last status seen at the deadline."""
    seen: list[str] = []

    def probe() -> bool:
        seen.append(sub_port(api, number)["status"])
        return seen[-1] == wanted

    eventually(probe, timeout)
    return seen[-1]


def suspensions(api: Api, number: str) -> int:
    response = api.get("registry", f"/v1/sub-ports/{number}/transitions")
    assert response.status_code == 200, response.text
    return sum(1 for step in response.json() if step["to_status"] == "suspended")


def blacklist(api: Api, kind: str, key: str) -> httpx.Response:
    return api.post("credit", "/v1/blacklist", {
        "subject": {"kind": kind, "key": key}, "reason": "fraud use of a sub-port",
        "evidence": "flows test case file"})


def is_problem(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith("application/problem+json")


def approved_template(author: Api, reviewer: Api, number: str, text: str,
                      kind: str = "notification") -> dict[str, Any]:
    """A template approved by a second person, its 【signature】 registered and approved for
    the sub-port's user unit first (two people each time: author proposes, reviewer decides)."""
    unit = sub_port(author, number)["user_unit_uscc"]
    signature = created(author.post("registry", f"/v1/organizations/{unit}/signatures", {
        "text": text[1:text.index("】")], "evidence_ref": "商标注册证 第12345678号"}))
    decided = reviewer.post("registry", f"/v1/signatures/{signature['id']}/approve", {})
    assert decided.status_code == 200, decided.text
    template = created(author.post("registry", f"/v1/sub-ports/{number}/templates",
                                   {"text": text, "kind": kind}))
    decided = reviewer.post("registry", f"/v1/templates/{template['id']}/approve", {})
    assert decided.status_code == 200, decided.text
    body: dict[str, Any] = decided.json()
    return body


def whitelist_number(admin: Api, number: str, province: str, approver: str) -> None:
    """An approved whitelist entry on `number`: applied for by `admin`, approved by the
    independent second HQ admin (a user `admin` created would count as `admin`); `approver`
    is kept for the callers' readability."""
    applied = admin.post("whitelist", "/v1/applications", {
        "number": number, "category": "emergency_rescue", "province": province,
        "justification": "flood warnings"})
    assert applied.status_code == 201, applied.text
    checker = second_admin(admin.stack)
    approved = checker.post("whitelist", f"/v1/applications/{applied.json()['id']}/approve",
                            {"comment": "checked"})
    assert approved.status_code == 200, approved.text
