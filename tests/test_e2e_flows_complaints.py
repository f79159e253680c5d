"""Complaints reach credit only when valid, and people decide (issue 10), across real service
processes: one persistent reporter lists nobody; five reporters open a review; closing it
confirmed is one credit event per subject; a low score proposes and lists nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.helpers_flows import (
    Api,
    Parties,
    eventually,
    register_active,
    sub_port,
    utc_now,
)

pytestmark = pytest.mark.e2e


def complain(api: Api, number: str, reporter: str) -> dict[str, Any]:
    response = api.post("registry", "/v1/complaints", {
        "number": number, "reporter": reporter, "content": "【某商城】全场特价，点击领取",
        "received_at": utc_now().isoformat()})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def subject(api: Api, kind: str, key: str) -> dict[str, Any]:
    response = api.get("credit", f"/v1/subjects/{kind}/{key}")
    body: dict[str, Any] = response.json() if response.status_code == 200 else {}
    return body


def proposals_for(api: Api, key: str) -> list[dict[str, Any]]:
    items = api.get("credit", "/v1/listing-proposals?status=open&limit=500").json()["items"]
    return [p for p in items if p["subject"]["key"] == key]


def blacklisted(api: Api, parties: Parties) -> list[bool]:
    response = api.post("credit", "/v1/blacklist/check", {"subjects": [
        {"kind": "holder", "key": parties.holder}, {"kind": "user_unit", "key": parties.user_unit},
        {"kind": "handler", "key": parties.id_number}]})
    return [r["blacklisted"] for r in response.json()["results"]]


def test_nine_complaints_from_one_reporter_in_a_minute_list_nobody_and_open_no_review(
        admin: Api) -> None:
    parties = register_active(admin, 631)

    answers = [complain(admin, parties.sub_port, "13900000631") for _ in range(9)]

    assert [a["valid"] for a in answers] == [True] + [False] * 8
    assert all(a["review_id"] is None for a in answers)
    seen = eventually(lambda: len(subject(admin, "user_unit", parties.user_unit)
                                  .get("events", [])) == 1)
    assert seen, "the one valid complaint reached credit"
    record = subject(admin, "user_unit", parties.user_unit)
    assert (record["score"], record["blacklisted"]) == (95.0, False)
    assert blacklisted(admin, parties) == [False, False, False]
    assert proposals_for(admin, parties.user_unit) == []
    reviews = admin.get("registry", f"/v1/complaint-reviews?sub_port={parties.sub_port}")
    assert reviews.json()["items"] == []
    assert sub_port(admin, parties.sub_port)["status"] == "active"


@pytest.fixture(scope="module")
def confirmed(admin: Api) -> tuple[Parties, int]:
    """Five reporters complain, the review that opens is closed confirmed."""
    parties = register_active(admin, 632)
    answers = [complain(admin, parties.sub_port, f"1390000{n:04d}") for n in range(5)]
    review_id = answers[-1]["review_id"]
    assert review_id is not None
    closed = admin.post("registry", f"/v1/complaint-reviews/{review_id}/close",
                        {"outcome": "confirmed", "reason": "营销骚扰核实"})
    assert closed.status_code == 200, closed.text
    return parties, int(review_id)


def confirmed_subjects(admin: Api, review_id: int) -> list[str]:
    audit = admin.get("credit", "/v1/audit-events?action=credit_event.recorded&limit=500")
    ref = f"registry:complaint-review:{review_id}"
    return sorted(e["data"]["subject"]["kind"] for e in audit.json()["items"]
                  if e["data"].get("source_ref") == ref)


def test_closing_a_review_confirmed_is_one_credit_event_per_subject(
        admin: Api, confirmed: tuple[Parties, int]) -> None:
    _, review_id = confirmed

    kinds = eventually(lambda: len(confirmed_subjects(admin, review_id)) >= 3)

    assert kinds
    assert confirmed_subjects(admin, review_id) == ["handler", "holder", "user_unit"]


def test_a_score_below_the_threshold_yields_a_proposal_and_no_listing(
        admin: Api, confirmed: tuple[Parties, int]) -> None:
    parties, _ = confirmed

    proposals = eventually(lambda: proposals_for(admin, parties.user_unit))

    assert [p["score"] for p in proposals] == [55.0]  # 5 complaints x 5 + confirmed 20
    assert blacklisted(admin, parties) == [False, False, False]
    assert sub_port(admin, parties.sub_port)["status"] == "active"


def test_a_later_series_opens_a_new_review(admin: Api,
                                           confirmed: tuple[Parties, int]) -> None:
    parties, first = confirmed

    answers = [complain(admin, parties.sub_port, f"1390001{n:04d}") for n in range(5)]

    assert [a["review_id"] is None for a in answers] == [True] * 4 + [False]
    assert answers[-1]["review_id"] != first


def test_marketing_refused_at_the_gateway_becomes_one_credit_event_a_day(admin: Api) -> None:
    parties = register_active(admin, 651)  # a notification sub-port
    for _ in range(3):
        check = admin.post("registry", "/v1/send-checks", {
            "sub_port": parties.sub_port, "recipient": "13912340651",
            "content": "【闽流物流】会员日限时抢购低至五折，回T退订"})
        assert "marketing_on_service_port" in check.json()["reasons"], check.text
    today = utc_now().astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()

    scans = [admin.post("registry", "/v1/gateway-violations/scan", {"day": today})
             for _ in range(2)]

    reports = [r for r in scans[0].json()["reports"] if r["sub_port_number"] == parties.sub_port]
    assert [(r["type"], r["evidence"]["marketing_on_service_port"]) for r in reports] == [
        ("marketing_on_service_port", 3)]
    assert len(reports[0]["evidence"]["send_log_ids"]) == 3
    assert scans[1].json()["reports"] == scans[0].json()["reports"]
    events = eventually(lambda: subject(admin, "user_unit", parties.user_unit).get("events"))
    assert [e["type"] for e in events] == ["marketing_on_service_port"]
    assert "抢购" not in str(events)
