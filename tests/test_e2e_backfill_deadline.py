"""The live installed base from import to deadline, across real processes (issue 8): a
province imports its live stock (incomplete records included), it keeps sending while the
campaign runs, and when the deadline passes registry's own background sweep suspends the
incomplete, non-whitelisted sub-ports — nobody calls the enforcement route. Runs on a stack
of its own with a short sweep interval (REGISTRY_BACKFILL_SWEEP_SECONDS)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from porttrust_dev.stack import Stack
from registry.service.agreements import REQUIRED_CLAUSES
from tests.conftest import PrivateStack
from tests.helpers_flows import (
    Api,
    created,
    id_number,
    password_token,
    register_organization,
    register_verified_handler,
    status_becomes,
    sub_port,
    uscc,
    utc_now,
    whitelist_number,
)

pytestmark = pytest.mark.e2e

PASSWORD = "backfill-" + secrets.token_urlsafe(16)
PORT, PROVINCE = "10627801", "35"
COMPLETE, INCOMPLETE, PROTECTED = PORT + "01", PORT + "02", PORT + "03"


@pytest.fixture(scope="module")
async def backfill_stack(private_stack: PrivateStack) -> AsyncIterator[Stack]:
    async with private_stack("backfill", admin_password=PASSWORD,
                             extra_env={"REGISTRY_BACKFILL_SWEEP_SECONDS": "0.5"}) as running:
        yield running


def _put_campaign(admin: Api, seconds: float) -> dict[str, Any]:
    deadline = utc_now() + dt.timedelta(seconds=seconds)
    response = httpx.put(admin.stack.url("registry") + f"/v1/backfill/campaigns/{PROVINCE}",
                         json={"deadline": deadline.isoformat()},
                         headers={"Authorization": f"Bearer {admin.token}"}, timeout=15)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _import_live_stock(admin: Api) -> None:
    holder, unit = uscc(801), uscc(802)
    register_organization(admin, holder, "holder", PROVINCE)
    register_organization(admin, unit, "user_unit", PROVINCE)
    handler_id = register_verified_handler(admin, id_number(801), unit)
    created(admin.post("registry", "/v1/ports", {
        "number": PORT, "holder_uscc": holder, "province": PROVINCE, "scope": "provincial"}))
    created(admin.post("registry", f"/v1/organizations/{unit}/agreements", {
        "kind": "service", "counterparty_uscc": holder, "signed_at": "2026-03-01T00:00:00Z",
        "document_ref": "contract-801", "clauses": sorted(REQUIRED_CLAUSES["service"])}))
    base = {"province": PROVINCE, "user_unit_uscc": unit, "business_type": "notification",
            "purpose": "order notices", "equipment": "SMSC-07", "status": "active"}
    rows = [{**base, "number": COMPLETE, "handler_id": handler_id, "machine_room": "A3"},
            {**base, "number": INCOMPLETE}, {**base, "number": PROTECTED}]
    response = httpx.post(admin.stack.url("registry") + "/v1/sub-ports/import",
                          content="\n".join(json.dumps(r) for r in rows).encode(),
                          headers={"Authorization": f"Bearer {admin.token}",
                                   "Content-Type": "application/x-ndjson"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["created"] == 3, response.text


def _check(admin: Api, number: str) -> dict[str, Any]:
    response = admin.post("registry", "/v1/send-checks", {
        "sub_port": number, "recipient": "13812345678", "content": "【某某商城】您的订单已发货"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_live_stock_sends_until_the_deadline_then_the_sweep_suspends_by_itself(
        backfill_stack: Stack) -> None:
    admin = Api(backfill_stack, password_token(backfill_stack, "admin", PASSWORD))
    _put_campaign(admin, 3600)
    _import_live_stock(admin)
    whitelist_number(admin, PROTECTED, PROVINCE, "backfill-approver")
    before = _check(admin, INCOMPLETE)
    assert (before["allowed"], before["enforced"], before["reasons"]) == (
        True, False, ["no_template"])
    assert sub_port(admin, INCOMPLETE)["backfill"]["state"] == "pending"

    campaign = _put_campaign(admin, 2)
    assert status_becomes(admin, INCOMPLETE, "suspended", timeout=30) == "suspended"
    assert sub_port(admin, PROTECTED)["status"] == "active"
    assert sub_port(admin, COMPLETE)["status"] == "active"
    assert sub_port(admin, INCOMPLETE)["backfill"]["state"] == "overdue"
    after = _check(admin, INCOMPLETE)
    assert (after["allowed"], after["enforced"]) == (False, True)
    assert "sub_port_not_active" in after["reasons"]
    listed = admin.get("registry", "/v1/backfill/campaigns").json()["items"]
    assert [c["swept_deadline"] for c in listed] == [campaign["deadline"]]
    summary = admin.get("registry", "/v1/audit-events?action=backfill.enforced").json()
    assert [e["actor"] for e in summary["items"]] == ["backfill-sweeper"]
