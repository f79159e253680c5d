"""Whitelist by customer and combing counts (issue 11), across real service processes:
an entry on a unit's USCC protects a sub-port registered after it — in registry's flag and
in whitelist's status — and a public-service unit registry marks is counted for combing."""

from __future__ import annotations

import pytest

from tests.helpers_flows import (
    Api,
    created,
    eventually,
    register_organization,
    register_parties,
    second_admin,
    sub_port,
    sub_port_body,
    uscc,
)

pytestmark = pytest.mark.e2e


def whitelisted_at_whitelist(api: Api, number: str) -> bool:
    response = api.get("whitelist", f"/v1/status/{number}")
    assert response.status_code == 200, response.text
    return bool(response.json()["whitelisted"])


def test_a_customer_entry_protects_a_sub_port_registered_after_it(admin: Api) -> None:
    parties = register_parties(admin, 921)
    applied = created(admin.post("whitelist", "/v1/applications", {
        "uscc": parties.user_unit, "category": "government_regulatory", "province": "35",
        "justification": "市应急管理局 预警信息发布"}))
    approver = second_admin(admin.stack)  # another person than the applicant
    approved = approver.post("whitelist", f"/v1/applications/{applied['id']}/approve", {})
    assert approved.status_code == 200, approved.text
    assert eventually(lambda: sub_port(admin, parties.sub_port)["whitelisted"]) is True
    assert eventually(lambda: whitelisted_at_whitelist(admin, parties.sub_port)) is True

    later = parties.port + "02"  # registered after the entry, by the same unit
    registered = created(admin.post("registry", "/v1/sub-ports",
                                    sub_port_body(later, parties)))
    assert registered["whitelisted"] is True
    assert eventually(lambda: whitelisted_at_whitelist(admin, later)) is True
    status = admin.get("whitelist", f"/v1/status/{later}").json()
    assert status["uscc"] == parties.user_unit
    assert status["entry_id"] == approved.json()["entry_id"]


def test_a_public_service_unit_is_counted_for_combing_in_both_services(admin: Api) -> None:
    def combing(service: str, path: str, key: str) -> dict[str, object] | None:
        rows = admin.get(service, path).json()[key]
        row = next(r for r in rows if r["province"] == "36")
        value: dict[str, object] | None = row["combing"]
        return value

    register_organization(admin, uscc(1941), "user_unit", "36")  # an ordinary unit
    response = admin.post("registry", "/v1/organizations", {
        "uscc": uscc(1943), "name": "江西省应急管理厅", "province": "36",
        "roles": ["user_unit"], "public_service": "emergency_rescue"})
    assert response.status_code == 201, response.text
    counted = eventually(lambda: (combing("whitelist", "/v1/progress", "provinces")
                                  or {}).get("customers") == 1)
    assert counted is True
    decided = admin.post("whitelist", f"/v1/combing/customers/{uscc(1943)}/decide",
                         {"decision": "not_needed"})
    assert decided.status_code == 200, decided.text
    report = combing("registry", "/v1/reports/provinces", "items")
    assert report == {"customers": 1, "combed": 1, "rate": 1.0}
