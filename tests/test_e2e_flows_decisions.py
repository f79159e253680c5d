"""People decide sanctions (issue 10), across real service processes: a listing's sanctions
are applied exactly (`restrict_business` alone leaves live traffic alone), a whitelisted
sub-port a sanction spared is decided by a person and audited, and the blacklist entry shows
every sub-port its sanction touched."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers_flows import (
    Api,
    Parties,
    eventually,
    new_user,
    register_active,
    second_admin,
    status_becomes,
    sub_port,
    sub_port_body,
    utc_now,
)

pytestmark = pytest.mark.e2e

TEMPLATE = "【闽流物流】您的订单{order:digits:12}已由顺丰快递发出，请留意查收并保管好单据。"
MESSAGE = "【闽流物流】您的订单202612060001已由顺丰快递发出，请留意查收并保管好单据。"


@pytest.fixture(scope="module")
def checker(admin: Api) -> Api:
    # Another person: an identity the admin created would count as the admin (four eyes).
    return second_admin(admin.stack)


def list_subject(api: Api, kind: str, key: str, *sanctions: str) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": {"kind": kind, "key": key}, "reason": "fraud use",
                            "evidence": "decisions test case file"}
    if sanctions:
        body["sanctions"] = list(sanctions)
    response = api.post("credit", "/v1/blacklist", body)
    assert response.status_code == 201, response.text
    entry: dict[str, Any] = response.json()
    return entry


def approved_template(admin: Api, checker: Api, parties: Parties) -> None:
    """The 【signature】 registered for the user unit and the template, each approved by a
    second person."""
    signature = admin.post("registry", f"/v1/organizations/{parties.user_unit}/signatures",
                           {"text": "闽流物流", "evidence_ref": "商标注册证 第12345678号"})
    assert signature.status_code == 201, signature.text
    approved = checker.post("registry", f"/v1/signatures/{signature.json()['id']}/approve", {})
    assert approved.status_code == 200, approved.text
    number = parties.sub_port
    template = admin.post("registry", f"/v1/sub-ports/{number}/templates",
                          {"text": TEMPLATE, "kind": "notification"})
    assert template.status_code == 201, template.text
    approved = checker.post("registry", f"/v1/templates/{template.json()['id']}/approve", {})
    assert approved.status_code == 200, approved.text


def send_check(api: Api, number: str) -> dict[str, Any]:
    response = api.post("registry", "/v1/send-checks",
                        {"sub_port": number, "recipient": "13912345678", "content": MESSAGE})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entry_sub_ports(api: Api, entry_id: str) -> list[tuple[str, str]]:
    items = api.get("credit", "/v1/blacklist?limit=500").json()["items"]
    entry = next(e for e in items if e["id"] == entry_id)
    return [(s["number"], s["action"]) for s in entry["sub_ports"]]


# ------------------------------------------------------------------- restrict_business only

@pytest.fixture(scope="module")
def restricted(admin: Api, checker: Api) -> Parties:
    """An active sub-port with an approved template whose user unit is listed with
    `restrict_business` only; returned once registry has heard of it."""
    parties = register_active(admin, 601)
    approved_template(admin, checker, parties)
    list_subject(admin, "user_unit", parties.user_unit, "restrict_business")
    # A control listed after it, with both sanctions: once its sub-port is suspended,
    # credit's relay (which delivers in order) has delivered the restriction too.
    control = register_active(admin, 602)
    list_subject(admin, "user_unit", control.user_unit)
    assert status_becomes(admin, control.sub_port, "suspended") == "suspended"
    return parties


def test_restrict_business_alone_keeps_an_active_sub_port_sending(
        admin: Api, restricted: Parties) -> None:
    assert sub_port(admin, restricted.sub_port)["status"] == "active"
    assert send_check(admin, restricted.sub_port)["allowed"] is True


def test_restrict_business_alone_refuses_a_new_sub_port(
        admin: Api, restricted: Parties) -> None:
    response = admin.post("registry", "/v1/sub-ports",
                          sub_port_body(restricted.port + "02", restricted))

    assert response.status_code == 409
    assert response.json()["code"] == "blacklisted"


# ------------------------------------------------- whitelisted, spared, decided, shown back

def whitelisted(admin: Api, parties: Parties, approver: Api) -> str:
    """The sub-port applied for by HQ, approved by `approver`, flagged in registry: the entry id."""
    applied = admin.post("whitelist", "/v1/applications", {
        "number": parties.sub_port, "category": "emergency_rescue",
        "province": parties.province, "justification": "flood warnings"})
    assert applied.status_code == 201, applied.text
    approved = approver.post("whitelist", f"/v1/applications/{applied.json()['id']}/approve",
                             {"comment": "checked"})
    assert approved.status_code == 200, approved.text
    assert eventually(lambda: sub_port(admin, parties.sub_port)["whitelisted"])
    entry_id: str = approved.json()["entry_id"]
    return entry_id


@pytest.fixture(scope="module")
def spared(admin: Api) -> tuple[Parties, dict[str, Any], dict[str, Any]]:
    """A whitelisted active sub-port whose user unit is then listed: (parties, entry, review)."""
    parties = register_active(admin, 611)
    whitelisted(admin, parties, second_admin(admin.stack))
    entry = list_subject(admin, "user_unit", parties.user_unit)

    def review() -> dict[str, Any] | None:
        items = admin.get("registry", "/v1/sanction-reviews?status=open&limit=500")
        return next((r for r in items.json()["items"]
                     if r["sub_port_number"] == parties.sub_port), None)

    found = eventually(review)
    assert found is not None
    return parties, entry, found


def test_the_blacklist_entry_shows_the_sub_port_it_spared(
        admin: Api, spared: tuple[Parties, dict[str, Any], dict[str, Any]]) -> None:
    parties, entry, _ = spared
    seen = eventually(lambda: entry_sub_ports(admin, entry["id"]))

    assert seen == [(parties.sub_port, "spared_whitelisted")]


def test_a_decided_sanction_review_is_audited_and_reaches_credit(
        admin: Api, spared: tuple[Parties, dict[str, Any], dict[str, Any]]) -> None:
    parties, entry, review = spared
    decider = new_user(admin, "decisions-whitelist-admin", "whitelist_admin")

    decided = decider.post("registry", f"/v1/sanction-reviews/{review['id']}/decide",
                           {"decision": "keep_active", "reason": "only flood channel"})

    assert decided.status_code == 200, decided.text
    audit = admin.get("registry", "/v1/audit-events?action=sanction_review.decided&limit=500")
    assert str(review["id"]) in [e["entity_id"] for e in audit.json()["items"]]
    assert sub_port(admin, parties.sub_port)["status"] == "active"
    assert eventually(lambda: entry_sub_ports(admin, entry["id"]) == [
        (parties.sub_port, "kept_active")])


def test_a_fraud_case_answer_lists_the_sub_ports_its_sanctions_suspended(admin: Api) -> None:
    parties = register_active(admin, 621)
    case = admin.post("credit", "/v1/fraud-cases", {
        "number": parties.sub_port, "occurred_at": utc_now().isoformat(),
        "case_ref": "DECISIONS-FRAUD-621"})
    assert case.status_code == 201, case.text

    def touched() -> set[tuple[str, str]]:
        body = admin.get("credit", f"/v1/fraud-cases/{case.json()['id']}").json()
        return {(s["number"], s["action"]) for s in body["sub_ports"]}

    assert eventually(touched) == {(parties.sub_port, "suspended")}


# ---------------------------------------------------------- business type change -> review

def whitelist_entry(api: Api, entry_id: str) -> dict[str, Any]:
    response = api.get("whitelist", f"/v1/entries/{entry_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_business_type_change_puts_the_whitelist_entry_under_review(admin: Api) -> None:
    parties = register_active(admin, 641)
    approver = second_admin(admin.stack)  # another person than the applicant
    entry_id = whitelisted(admin, parties, approver)
    current = httpx.get(admin.stack.url("registry") + f"/v1/sub-ports/{parties.sub_port}",
                        headers={"Authorization": f"Bearer {admin.token}"}, timeout=15)

    patched = httpx.patch(
        admin.stack.url("registry") + f"/v1/sub-ports/{parties.sub_port}",
        json={"business_type": "marketing"}, timeout=15,
        headers={"Authorization": f"Bearer {admin.token}", "If-Match": current.headers["ETag"]})

    assert patched.status_code == 200, patched.text
    assert patched.json()["whitelisted"] is False
    assert eventually(lambda: whitelist_entry(admin, entry_id)["status"] == "review")
    status = admin.get("whitelist", f"/v1/status/{parties.sub_port}").json()
    assert status["whitelisted"] is False
    confirmed = approver.post("whitelist", f"/v1/entries/{entry_id}/confirm",
                              {"reason": "marketing regulator notices are still notices"})
    assert confirmed.json()["status"] == "active"
    assert eventually(lambda: sub_port(admin, parties.sub_port)["whitelisted"])
