"""Issue 9 reproductions on real processes, each now refused: a province naming another
province's company and lowering its credit through complaints (item 1), one HQ admin
passing a client it made as a second pair of eyes (item 3), and a province whitelisting
another province's port (item 4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers_flows import (
    Api,
    Parties,
    activate,
    blacklist,
    client_token,
    created,
    eventually,
    id_number,
    new_client,
    register_active,
    register_organization,
    register_verified_handler,
    second_admin,
    sign_service_agreement,
    sub_port,
    sub_port_body,
    uscc,
    utc_now,
)

pytestmark = pytest.mark.e2e
NOBODY = uscc(9_999_999)  # right shape, registered by nobody


@pytest.fixture(scope="module")
def beijing(admin: Api) -> Parties:
    """A province-11 company with its own active sub-port."""
    return register_active(admin, 710, province="11")


@pytest.fixture(scope="module")
def guangdong(admin: Api) -> Api:
    return new_client(admin, "Guangdong provincial system", "province_operator", province="44")


def _problem(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["type"], body["detail"]


def test_a_province_cannot_name_another_provinces_company(
        admin: Api, beijing: Parties, guangdong: Api) -> None:
    created(admin.post("registry", "/v1/ports", {
        "number": "10628711", "holder_uscc": beijing.holder, "province": "44",
        "scope": "provincial"}))
    answers = [guangdong.post("registry", "/v1/sub-ports", {
        "number": f"1062871100{n}", "province": "44", "user_unit_uscc": unit})
        for n, unit in enumerate((beijing.user_unit, NOBODY))]
    assert _problem(answers[0]) == _problem(answers[1])
    assert answers[0].status_code == 422
    assert "Flows" not in answers[0].text  # the company's name


@pytest.fixture(scope="module")
def national(admin: Api, beijing: Parties, guangdong: Api) -> Parties:
    """Province 44's own active sub-port under a national port HQ registered for the
    province-11 company as holder."""
    created(admin.post("registry", "/v1/ports", {
        "number": "10628720", "holder_uscc": beijing.holder, "province": "11",
        "scope": "national"}))
    unit = uscc(1_440_720)
    register_organization(guangdong, unit, "user_unit", "44")
    parties = Parties(holder=beijing.holder, user_unit=unit, id_number=id_number(720),
                      handler_id=register_verified_handler(guangdong, id_number(720), unit),
                      port="10628720", sub_port="1062872001", province="44")
    created(guangdong.post("registry", "/v1/sub-ports", sub_port_body(parties.sub_port, parties)))
    # The service agreement names the national port's holder, a province-11 company: the one
    # organisation of another province a province may name (HQ's port is the grant).
    sign_service_agreement(guangdong, unit, beijing.holder)
    activated = activate(guangdong, parties.sub_port)
    assert activated.status_code == 200, activated.text
    return parties


def _subject(api: Api, kind: str, key: str) -> dict[str, Any]:
    response = api.get("credit", f"/v1/subjects/{kind}/{key}")
    return dict(response.json()) if response.status_code == 200 else {}


def _blacklisted(api: Api, kind: str, key: str) -> bool:
    response = api.post("credit", "/v1/blacklist/check", {"subjects": [{"kind": kind,
                                                                         "key": key}]})
    assert response.status_code == 200, response.text
    return bool(response.json()["results"][0]["blacklisted"])


def test_a_provinces_complaints_never_reach_another_provinces_company(
        admin: Api, beijing: Parties, guangdong: Api, national: Parties) -> None:
    ours = national
    for n in range(9):  # 9 x spam_complaint (5 points) takes a score below 60
        filed = guangdong.post("registry", "/v1/complaints", {
            "number": ours.sub_port, "reporter": f"1391234{n:04d}", "content": "骚扰短信",
            "received_at": utc_now().isoformat()})
        assert filed.status_code == 201, filed.text
    # The chain works: province 44's own user unit receives credit events...
    assert eventually(lambda: _subject(admin, "user_unit", ours.user_unit).get("events"))
    # ...but the province-11 holder of the national port received no event at all.
    assert not _subject(admin, "holder", beijing.holder).get("events")
    assert not _blacklisted(admin, "holder", beijing.holder)
    assert sub_port(admin, beijing.sub_port)["status"] == "active"


@pytest.fixture(scope="module")
def proxy(admin: Api) -> Api:
    """A second hq_admin client the admin made: disabled until another person approves it,
    and even then it counts as the admin."""
    made = admin.post("identity", "/v1/clients", {"name": "admin's own second admin",
                                                   "roles": ["hq_admin"], "province": "HQ"})
    assert made.status_code == 201, made.text
    body = made.json()
    form = {"grant_type": "client_credentials", "client_id": body["client_id"],
            "client_secret": body["client_secret"]}
    refused = httpx.post(admin.stack.url("identity") + "/v1/token", data=form, timeout=15)
    assert (body["active"], refused.status_code) == (False, 401)
    self_approved = admin.post("identity", f"/v1/grants/{body['grant_id']}/approve")
    assert self_approved.status_code == 403
    approved = second_admin(admin.stack).post("identity",
                                              f"/v1/grants/{body['grant_id']}/approve")
    assert approved.status_code == 200, approved.text
    return Api(admin.stack, client_token(admin.stack, body["client_id"], body["client_secret"]))


def test_the_admins_own_client_cannot_approve_the_admins_whitelist_application(
        admin: Api, proxy: Api) -> None:
    parties = register_active(admin, 730)
    applied = created(admin.post("whitelist", "/v1/applications", {
        "number": parties.sub_port, "category": "life_safety", "province": parties.province,
        "justification": "earthquake early warning"}))
    path = f"/v1/applications/{applied['id']}/approve"
    assert proxy.post("whitelist", path, {}).status_code == 403
    assert second_admin(admin.stack).post("whitelist", path, {}).status_code == 200


def test_the_admins_own_client_cannot_lift_the_admins_blacklist_entry(
        admin: Api, proxy: Api) -> None:
    entry = created(blacklist(admin, "user_unit", uscc(1_730_001)))
    path = f"/v1/blacklist/{entry['id']}/lift"
    refused = proxy.post("credit", path, {"reason": "listed by mistake"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "four_eyes"
    lifted = second_admin(admin.stack).post("credit", path, {"reason": "listed by mistake"})
    assert lifted.status_code == 200, lifted.text


def test_the_admins_own_client_cannot_approve_the_admins_next_grant(
        admin: Api, proxy: Api) -> None:
    made = created(admin.post("identity", "/v1/clients", {
        "name": "another enforcement tool", "roles": ["enforcement"], "province": "HQ"}))
    assert proxy.post("identity", f"/v1/grants/{made['grant_id']}/approve").status_code == 403


UNREGISTERED = "1062999901"  # right shape, under no registered port


def test_a_province_cannot_whitelist_another_provinces_port(
        admin: Api, beijing: Parties, guangdong: Api) -> None:
    """The attack: province 44 applied for province 11's port, HQ approved, registry flagged
    the province-11 sub-port. Now the application is refused as for an unregistered number
    (nothing to approve), and the sub-port stays unflagged."""
    def apply(target: dict[str, str]) -> httpx.Response:
        return guangdong.post("whitelist", "/v1/applications", {
            **target, "category": "life_safety", "justification": "earthquake early warning"})

    answers = [apply({"number": n}) for n in (beijing.port, beijing.sub_port, UNREGISTERED)]
    assert len({_problem(a) for a in answers}) == 1
    assert answers[0].status_code == 422
    assert "11" not in answers[0].json()["detail"]
    customers = [apply({"uscc": u}) for u in (beijing.user_unit, NOBODY)]
    assert _problem(customers[0]) == _problem(customers[1])
    assert customers[0].status_code == 422
    listed = guangdong.get("whitelist", "/v1/applications")
    assert listed.status_code == 200
    # Other tests' province-44 applications may be listed (one stack): none of these is.
    targets = {beijing.port, beijing.sub_port, UNREGISTERED, beijing.user_unit, NOBODY}
    assert not [a for a in listed.json()["items"]
                if {a["number"], a["uscc"]} & targets], listed.json()["items"]
    assert sub_port(admin, beijing.sub_port)["whitelisted"] is False


def test_an_hq_application_is_in_the_numbers_province_and_flags_it(admin: Api) -> None:
    parties = register_active(admin, 740, province="11")
    applied = created(admin.post("whitelist", "/v1/applications", {
        "number": parties.port, "category": "life_safety",
        "justification": "earthquake early warning"}))
    assert applied["province"] == "11"
    approved = second_admin(admin.stack).post(
        "whitelist", f"/v1/applications/{applied['id']}/approve", {})
    assert approved.status_code == 200, approved.text
    assert eventually(lambda: sub_port(admin, parties.sub_port)["whitelisted"]) is True
    status = admin.get("whitelist", f"/v1/status/{parties.sub_port}").json()
    assert (status["whitelisted"], status["province"]) == (True, "11")
