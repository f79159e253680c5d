"""Cross-service flows on the shared stack (ARCHITECTURE "Cross-service flows"): registration
screened at credit, a fraud case traced through registry and pushed back as suspensions, and
a whitelist grant that keeps a sanctioned sub-port open for review."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers_flows import (
    Api,
    Parties,
    activate,
    blacklist,
    eventually,
    id_number,
    new_client,
    register_active,
    register_organization,
    register_parties,
    register_verified_handler,
    second_admin,
    status_becomes,
    sub_port,
    sub_port_body,
    suspensions,
    uscc,
    utc_now,
)

pytestmark = pytest.mark.e2e

CHECK_METRIC = re.compile(
    r'^http_requests_total\{method="POST",route="/v1/blacklist/check",status="200"\} (\S+)$',
    re.MULTILINE)


@pytest.fixture(scope="module")
def enforcement(admin: Api) -> Api:
    return new_client(admin, "flows enforcement tool", "enforcement")


def credit_checks_served(admin: Api) -> float:
    found = CHECK_METRIC.search(admin.get("credit", "/metrics").text)
    return float(found.group(1)) if found else 0.0


# ----------------------------------------------------------------------------- registration

def test_complete_sub_port_with_verified_handler_is_activated(admin: Api) -> None:
    parties = register_active(admin, 101)

    assert sub_port(admin, parties.sub_port)["status"] == "active"


def test_activation_asks_credit_over_http(admin: Api) -> None:
    parties = register_parties(admin, 102)
    before = credit_checks_served(admin)

    assert activate(admin, parties.sub_port).status_code == 200
    assert credit_checks_served(admin) >= before + 1


def test_handler_is_answered_masked_by_registry(admin: Api) -> None:
    parties = register_parties(admin, 103)
    handler = admin.get("registry", f"/v1/handlers/{parties.handler_id}").json()

    assert handler["id_number"] == parties.id_number[:6] + "********" + parties.id_number[-4:]
    assert handler["phone"] == "138****5678"
    assert handler["name"] == "张*"


# ------------------------------------------------------------------------------ fraud case

@pytest.fixture(scope="module")
def defrauded(admin: Api, enforcement: Api) -> tuple[Parties, dict[str, Any]]:
    """An active sub-port reported by an enforcement tool for a moment already past."""
    parties = register_active(admin, 201)
    moment = utc_now()
    response = enforcement.post("credit", "/v1/fraud-cases", {
        "number": parties.sub_port, "occurred_at": moment.isoformat(),
        "case_ref": "FLOWS-FRAUD-201"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return parties, body


def test_fraud_case_blacklists_holder_user_unit_and_handler_traced_at_that_moment(
        defrauded: tuple[Parties, dict[str, Any]]) -> None:
    parties, case = defrauded
    keys = {party["subject"]["kind"]: party["subject"]["key"] for party in case["parties"]}

    assert case["matched"] == "sub_port"
    assert case["sub_port"] == parties.sub_port
    assert keys.keys() == {"holder", "user_unit", "handler"}
    assert (keys["holder"], keys["user_unit"]) == (parties.holder, parties.user_unit)


def test_fraud_case_answer_never_shows_the_handlers_id_number_or_phone(
        defrauded: tuple[Parties, dict[str, Any]]) -> None:
    parties, case = defrauded

    assert parties.id_number not in str(case)
    assert "13812345678" not in str(case)


def test_fraud_case_suspends_the_sub_port_in_registry_within_seconds(
        admin: Api, defrauded: tuple[Parties, dict[str, Any]]) -> None:
    parties, _ = defrauded

    assert status_becomes(admin, parties.sub_port, "suspended") == "suspended"
    assert suspensions(admin, parties.sub_port) == 1


def test_new_sub_port_for_the_defrauding_user_unit_is_refused(
        admin: Api, defrauded: tuple[Parties, dict[str, Any]]) -> None:
    parties, _ = defrauded

    response = admin.post("registry", "/v1/sub-ports",
                          sub_port_body(parties.port + "02", parties))

    assert response.status_code == 409
    assert admin.get("registry", f"/v1/sub-ports/{parties.port}02").status_code == 404


def test_defrauding_handler_is_blacklisted_by_id_number_whatever_the_company(
        admin: Api, enforcement: Api, defrauded: tuple[Parties, dict[str, Any]]) -> None:
    parties, _ = defrauded
    other_company = uscc(1999)
    register_organization(admin, other_company, "user_unit", "35")
    register_verified_handler(admin, parties.id_number, other_company)

    response = enforcement.post("credit", "/v1/blacklist/check", {"subjects": [
        {"kind": "handler", "key": parties.id_number},
        {"kind": "handler", "key": id_number(998)}]})

    assert response.status_code == 200, response.text
    assert [r["blacklisted"] for r in response.json()["results"]] == [True, False]


def test_sub_port_handled_by_the_defrauding_person_for_another_company_is_refused(
        admin: Api, defrauded: tuple[Parties, dict[str, Any]]) -> None:
    parties, _ = defrauded
    other = register_parties(admin, 202)
    handler_id = register_verified_handler(admin, parties.id_number, other.user_unit)
    body = sub_port_body(other.port + "02", other) | {"handler_id": handler_id}

    response = admin.post("registry", "/v1/sub-ports", body)

    assert response.status_code == 409
    assert response.json()["type"].endswith("blacklisted")


# ------------------------------------------------------------------------------- whitelist

@pytest.fixture(scope="module")
def whitelisted(admin: Api) -> Parties:
    """An active sub-port HQ applied for and another person approved."""
    parties = register_active(admin, 301)
    applied = admin.post("whitelist", "/v1/applications", {
        "number": parties.sub_port, "category": "life_safety", "province": parties.province,
        "justification": "earthquake early warning"})
    assert applied.status_code == 201, applied.text
    approver = second_admin(admin.stack)  # another person: not one admin created
    approved = approver.post("whitelist", f"/v1/applications/{applied.json()['id']}/approve",
                             {"comment": "checked with the seismology bureau"})
    assert approved.status_code == 200, approved.text
    return parties


def flag_reaches_registry(admin: Api, parties: Parties) -> bool:
    return bool(eventually(lambda: sub_port(admin, parties.sub_port)["whitelisted"]))


def test_whitelist_grant_reaches_registry_within_seconds(
        admin: Api, whitelisted: Parties) -> None:
    assert flag_reaches_registry(admin, whitelisted) is True


def test_sanction_on_whitelisted_sub_port_queues_it_for_review_instead_of_suspending(
        admin: Api, whitelisted: Parties) -> None:
    assert flag_reaches_registry(admin, whitelisted)
    assert blacklist(admin, "user_unit", whitelisted.user_unit).status_code == 201

    def reviews() -> list[dict[str, Any]]:
        items = admin.get("registry", "/v1/sanction-reviews?limit=500").json()["items"]
        return [r for r in items if r["sub_port_number"] == whitelisted.sub_port]

    queued = eventually(reviews)
    assert [r["subject_kind"] for r in queued] == ["user_unit"]
    assert sub_port(admin, whitelisted.sub_port)["status"] == "active"
    assert suspensions(admin, whitelisted.sub_port) == 0
