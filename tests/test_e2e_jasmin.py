"""PortTrust in front of a real SMS gateway: Jasmin's MT and MO interceptors, over SMPP.

A customer binds to Jasmin with smpplib and submits; Jasmin asks PortTrust (a stack of this
module's own, since the last test stops it) and forwards what is allowed to a minimal SMSC,
which also sends the recipients' replies back through Jasmin.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from porttrust_dev.stack import Stack
from porttrust_jasmin.gateway import PortTrustAccess
from porttrust_jasmin.rig import Rig, rig
from tests.conftest import PrivateStack
from tests.helpers_flows import (
    Api,
    Parties,
    approved_template,
    created,
    eventually,
    password_token,
    register_active,
    second_admin,
    sub_port,
)
from tests.jasmin_harness import (
    ESME_ROK,
    ESME_RSUBMITFAIL,
    JASMIN_PYTHON,
    customer_of,
    jasmin_or_skip,
)

pytestmark = pytest.mark.e2e

PASSWORD = "jasmin-" + secrets.token_urlsafe(16)
PHONE, OTHER_PHONE = "13912345678", "13787654321"
TEMPLATE = "【好物商城】会员{name:text:10}您好，积分{points:digits}即将到期，回T退订"
FITS = "【好物商城】会员小王您好，积分320即将到期，回T退订"
OFF_TEMPLATE = "【好物商城】点击领取大奖 http://example.invalid/x"
ALERT = "【市应急管理局】{area:text:6}已发布暴雨红色预警信号，请市民立即停止户外活动并就近避险"
ALERT_TEXT = "【市应急管理局】鼓楼区已发布暴雨红色预警信号，请市民立即停止户外活动并就近避险"


@pytest.fixture(scope="module")
async def jasmin_stack(private_stack: PrivateStack) -> AsyncIterator[Stack]:
    jasmin_or_skip()
    async with private_stack("jasmin", admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def admin(jasmin_stack: Stack) -> Api:
    return Api(jasmin_stack, password_token(jasmin_stack, "admin", PASSWORD))


@pytest.fixture(scope="module")
def parties(admin: Api) -> dict[str, Parties]:
    """A marketing sub-port with an approved template, and a whitelisted alert sub-port."""
    reviewer = second_admin(admin.stack)  # another person than the admin who applies
    shop = register_active(admin, 811, business_type="marketing")
    alert = register_active(admin, 812)
    approved_template(admin, reviewer, shop.sub_port, TEMPLATE, "marketing")
    approved_template(admin, reviewer, alert.sub_port, ALERT, "notification")
    applied = created(admin.post("whitelist", "/v1/applications", {
        "number": alert.sub_port, "category": "emergency_rescue", "province": alert.province,
        "justification": "municipal emergency alerts"}))
    granted = reviewer.post("whitelist", f"/v1/applications/{applied['id']}/approve", {})
    assert granted.status_code == 200, granted.text
    assert eventually(lambda: sub_port(admin, alert.sub_port)["whitelisted"])
    return {"shop": shop, "alert": alert}


def gateway_client(admin: Api) -> dict[str, Any]:
    response = admin.post("identity", "/v1/clients",
                          {"name": "jasmin-gateway", "roles": ["gateway"], "province": "HQ"})
    return created(response)


@pytest.fixture(scope="module")
def jasmin(jasmin_stack: Stack, admin: Api, parties: dict[str, Parties],
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    client = gateway_client(admin)
    access = PortTrustAccess(
        identity_url=jasmin_stack.url("identity"), registry_url=jasmin_stack.url("registry"),
        whitelist_url=jasmin_stack.url("whitelist"), client_id=client["client_id"],
        client_secret=client["client_secret"], timeout_seconds=2.0,
        whitelist_refresh_seconds=1.0)
    with rig(tmp_path_factory.mktemp("jasmin-home"), JASMIN_PYTHON, access) as running:
        yield running
    # Jasmin's queues (its vhost) and lock files go with it: nothing is left for another Jasmin.
    vhosts = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], capture_output=True,
                            text=True, check=True).stdout.split()
    assert running.gateway.vhost not in vhosts
    assert not list(Path(running.gateway.home, "locks").iterdir())


def test_a_message_fitting_an_approved_template_reaches_the_smsc(
        jasmin: Rig, parties: dict[str, Parties]) -> None:
    shop = parties["shop"].sub_port
    with customer_of(jasmin) as customer:
        assert customer.submit(shop, PHONE, FITS) == ESME_ROK

    delivered = jasmin.smsc.wait_for(lambda m: m.source == shop and m.destination == PHONE)
    assert delivered.text == FITS


def test_an_off_template_message_is_refused_with_submitfail_and_logged_with_reasons(
        jasmin: Rig, parties: dict[str, Parties]) -> None:
    shop = parties["shop"].sub_port
    with customer_of(jasmin) as customer:
        assert customer.submit(shop, OTHER_PHONE, OFF_TEMPLATE) == ESME_RSUBMITFAIL

    assert not [m for m in jasmin.smsc.received if m.text == OFF_TEMPLATE]
    assert "refused from " + shop in jasmin.interceptor_log()
    assert "reasons=" in jasmin.interceptor_log()
    assert OTHER_PHONE not in jasmin.interceptor_log()  # recipients are masked in Jasmin's log


def test_a_td_reply_from_the_phone_refuses_the_next_marketing_message_to_it(
        jasmin: Rig, parties: dict[str, Parties], admin: Api) -> None:
    shop = parties["shop"].sub_port
    opted = "13600001111"
    with customer_of(jasmin) as customer:
        assert customer.submit(shop, opted, FITS) == ESME_ROK
        assert jasmin.smsc.deliver(opted, shop, "TD") == ESME_ROK

        def refused() -> bool:
            return customer.submit(shop, opted, FITS) == ESME_RSUBMITFAIL
        assert eventually(refused, timeout=10)
        assert customer.submit(shop, PHONE, FITS) == ESME_ROK  # only that phone opted out


def test_with_porttrust_down_an_ordinary_sub_port_is_refused_and_a_whitelisted_one_passes(
        jasmin: Rig, parties: dict[str, Parties], jasmin_stack: Stack) -> None:
    shop, alert = parties["shop"].sub_port, parties["alert"].sub_port
    copy = Path(jasmin.gateway.home, "whitelist-copy.json")
    with customer_of(jasmin) as customer:
        assert customer.submit(alert, PHONE, ALERT_TEXT) == ESME_ROK  # the copy learns it
        assert eventually(lambda: copy.exists() and json.loads(copy.read_text())[
            "numbers"].get(alert) is True, timeout=10)
        for name in ("registry", "whitelist"):
            jasmin_stack.stop(name)

        assert customer.submit(shop, PHONE, FITS) == ESME_RSUBMITFAIL
        assert customer.submit(alert, OTHER_PHONE, ALERT_TEXT) == ESME_ROK

    jasmin.smsc.wait_for(lambda m: m.source == alert and m.destination == OTHER_PHONE)
    log = jasmin.interceptor_log()
    assert "refused from " + shop in log and "by fail_closed" in log
    assert "allowed from " + alert in log and "by whitelist_copy" in log
