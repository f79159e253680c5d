"""Flows across an outage: services are stopped and started again, so these tests run on a
stack of their own (never the shared one other tests use).

- Registry down while credit blacklists: nothing is lost, the outbox delivers on return, and
  registry applies the sanction once.
- Credit down while registry activates: registration fails closed (503), nothing changes.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from porttrust_dev.stack import Stack
from tests.conftest import PrivateStack
from tests.helpers_flows import (
    Api,
    Parties,
    activate,
    blacklist,
    eventually,
    is_problem,
    password_token,
    register_active,
    register_parties,
    status_becomes,
    sub_port,
    suspensions,
)

pytestmark = pytest.mark.e2e

PASSWORD = "outage-" + secrets.token_urlsafe(16)
# The relay backs off exponentially (with jitter) while registry is down, so the next attempt
# after its return may be up to ~16 s away: poll longer here than elsewhere, still bounded.
AFTER_OUTAGE_SECONDS = 30.0


@pytest.fixture(scope="module")
async def outage_stack(private_stack: PrivateStack) -> AsyncIterator[Stack]:
    async with private_stack("outage", admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def admin(outage_stack: Stack) -> Api:
    return Api(outage_stack, password_token(outage_stack, "admin", PASSWORD))


def restart(stack: Stack, name: str) -> None:
    stack.start(name)
    stack.wait_ready(name, timeout=30)


def delivery_failed(stack: Stack) -> bool:
    """Credit logged a failed delivery to registry: the relay really met the outage."""
    log = Path(stack.var_dir, "credit.log").read_text(errors="replace")
    return "failed (attempt" in log


# -------------------------------------------------------------------- registry down


@pytest.fixture(scope="module")
def sanctioned_while_registry_down(outage_stack: Stack, admin: Api) -> Parties:
    parties = register_active(admin, 401)
    outage_stack.stop("registry")
    try:
        listed = blacklist(admin, "user_unit", parties.user_unit)
        assert listed.status_code == 201, listed.text
        assert eventually(lambda: delivery_failed(outage_stack), timeout=10)
    finally:
        restart(outage_stack, "registry")
    return parties


def test_sanction_missed_while_registry_was_down_suspends_the_sub_port_on_return(
        admin: Api, sanctioned_while_registry_down: Parties) -> None:
    number = sanctioned_while_registry_down.sub_port

    assert status_becomes(admin, number, "suspended", timeout=AFTER_OUTAGE_SECONDS) == "suspended"


def test_sanction_delivered_after_an_outage_is_applied_once(
        admin: Api, sanctioned_while_registry_down: Parties) -> None:
    number = sanctioned_while_registry_down.sub_port
    assert status_becomes(admin, number, "suspended", timeout=AFTER_OUTAGE_SECONDS) == "suspended"
    audit = admin.get("registry", f"/v1/audit-events?entity_id={number}&limit=500").json()

    assert suspensions(admin, number) == 1
    assert sum(1 for e in audit["items"] if e["action"] == "sub_port.suspended") == 1


# ---------------------------------------------------------------------- credit down


@pytest.fixture(scope="module")
def activation_while_credit_down(outage_stack: Stack, admin: Api) -> tuple[Parties, int, str,
                                                                             bool]:
    parties = register_parties(admin, 402)
    outage_stack.stop("credit")
    try:
        response = activate(admin, parties.sub_port)
    finally:
        restart(outage_stack, "credit")
    return parties, response.status_code, response.text, is_problem(response)


def test_activation_while_credit_is_down_answers_503_problem(
        activation_while_credit_down: tuple[Parties, int, str, bool]) -> None:
    _, status, body, problem = activation_while_credit_down

    assert status == 503, body
    assert problem


def test_sub_port_stays_registered_when_credit_could_not_be_asked(
        admin: Api, activation_while_credit_down: tuple[Parties, int, str, bool]) -> None:
    parties = activation_while_credit_down[0]

    assert sub_port(admin, parties.sub_port)["status"] == "registered"
    assert suspensions(admin, parties.sub_port) == 0


def test_activation_succeeds_once_credit_is_back(
        admin: Api, activation_while_credit_down: tuple[Parties, int, str, bool]) -> None:
    parties = activation_while_credit_down[0]

    assert activate(admin, parties.sub_port).status_code == 200
