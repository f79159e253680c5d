"""Registered signatures (签名报备, R5): a template signs only as its user unit."""

import pytest

from porttrust_shared.db import utcnow
from registry.models import MessageTemplate

NUMBER = "106901234567"
VERIFY = "【{sig}】您的验证码是{{code:digits:6}}，5分钟内有效，请勿泄露给他人。"
GOOD = "【{sig}】您的验证码是123456，5分钟内有效，请勿泄露给他人。"
EVIDENCE = "商标注册证 第12345678号"


@pytest.fixture
async def unit(reg):
    """A user unit named 单位N with a complete sub-port."""
    await reg.port()
    sub = await reg.complete_sub_port(NUMBER)
    return sub["user_unit_uscc"]


async def register(client, headers, uscc, text, evidence=None, who=None):
    body = {"text": text} if evidence is None else {"text": text, "evidence_ref": evidence}
    return await client.post(f"/v1/organizations/{uscc}/signatures", json=body,
                             headers=who or headers("province_operator", province="44",
                                                    sub="author"))


async def decide(client, headers, signature_id, verb="approve", who=None, **body):
    return await client.post(f"/v1/signatures/{signature_id}/{verb}", json=body or None,
                             headers=who or headers("province_operator", province="44",
                                                    sub="checker"))


async def template(client, headers, sig, who=None):
    return await client.post(f"/v1/sub-ports/{NUMBER}/templates",
                             json={"text": VERIFY.format(sig=sig), "kind": "notification"},
                             headers=who or headers("hq_admin", sub="template-author"))


async def unit_name(client, reg, uscc):
    return (await client.get(f"/v1/organizations/{uscc}", headers=reg.hq)).json()["name"]


async def test_the_units_name_registers_pending_without_evidence(reg, client, headers, unit):
    name = await unit_name(client, reg, unit)
    response = await register(client, headers, unit, name)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert response.json()["names_unit"] is True


async def test_a_brand_needs_evidence(reg, client, headers, unit):
    response = await register(client, headers, unit, "好消息")
    assert response.status_code == 422
    assert response.json()["code"] == "evidence_required"
    backed = await register(client, headers, unit, "好消息", evidence=EVIDENCE)
    assert backed.status_code == 201
    assert backed.json()["names_unit"] is False


@pytest.mark.parametrize("text", ["某", "【某某银行】", "某" * 21])
async def test_malformed_signature_is_refused(reg, client, headers, unit, text):
    response = await register(client, headers, unit, text, evidence=EVIDENCE)
    assert response.status_code == 422
    assert response.json()["code"] == "signature_syntax"


async def test_author_cannot_approve_a_signature(reg, client, headers, unit):
    created = (await register(client, headers, unit, "某某银行", evidence=EVIDENCE)).json()
    response = await decide(client, headers, created["id"],
                            who=headers("province_operator", province="44", sub="author"))
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"


async def test_another_person_approves_once(reg, client, headers, unit):
    created = (await register(client, headers, unit, "某某银行", evidence=EVIDENCE)).json()
    approved = await decide(client, headers, created["id"])
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "checker"
    assert (await decide(client, headers, created["id"])).status_code == 409


async def test_another_province_cannot_register_or_decide(reg, client, headers, unit):
    other = headers("province_operator", province="11", sub="other")
    assert (await register(client, headers, unit, "某某银行", EVIDENCE, who=other)
            ).status_code == 404
    created = (await register(client, headers, unit, "某某银行", evidence=EVIDENCE)).json()
    assert (await decide(client, headers, created["id"], who=other)).status_code == 404


async def test_signatures_are_listed_by_status(reg, client, headers, unit):
    created = (await register(client, headers, unit, "某某银行", evidence=EVIDENCE)).json()
    await decide(client, headers, created["id"], "reject", reason="无商标证明")
    listed = await client.get(f"/v1/organizations/{unit}/signatures?status=rejected",
                              headers=reg.hq)
    assert [s["id"] for s in listed.json()["items"]] == [created["id"]]


async def test_template_with_unregistered_signature_is_refused(reg, client, headers, unit):
    response = await template(client, headers, "好消息")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "signature_not_registered"


async def test_template_with_pending_signature_is_refused(reg, client, headers, unit):
    await register(client, headers, unit, "好消息", evidence=EVIDENCE)
    response = await template(client, headers, "好消息")
    assert response.json()["code"] == "signature_not_registered"


async def test_template_with_the_approved_signature_is_accepted(reg, client, headers, unit):
    created = (await register(client, headers, unit, "好消息", evidence=EVIDENCE)).json()
    await decide(client, headers, created["id"])
    response = await template(client, headers, "好 消 息")  # spacing is not significant
    assert response.status_code == 201, response.text


async def test_another_units_signature_does_not_count(reg, client, headers, unit):
    other = await reg.org("44", roles=["user_unit"])
    await reg.signatures(other["uscc"], "某某银行")
    response = await template(client, headers, "某某银行")
    assert response.json()["code"] == "signature_not_registered"


async def test_approval_is_refused_once_the_sub_port_changed_unit(reg, client, headers, unit):
    await reg.signatures(unit, "某某银行")
    created = (await template(client, headers, "某某银行")).json()
    other = await reg.org("44", roles=["user_unit"])
    sub = (await client.get(f"/v1/sub-ports/{NUMBER}", headers=reg.hq)).json()
    await client.patch(f"/v1/sub-ports/{NUMBER}", json={"user_unit_uscc": other["uscc"]},
                       headers={**reg.hq, "If-Match": f'W/"{sub["version"]}"'})
    response = await client.post(f"/v1/templates/{created['id']}/approve",
                                 headers=headers("hq_admin", sub="checker"))
    assert response.status_code == 422
    assert response.json()["code"] == "signature_not_registered"


async def test_an_approved_template_from_before_keeps_working(reg, client, headers, unit,
                                                              db_session):
    await client.post(f"/v1/sub-ports/{NUMBER}/activate", headers=reg.hq)
    now = utcnow()
    db_session.add(MessageTemplate(sub_port_number=NUMBER, province="44",
                                   text=VERIFY.format(sig="老签名"), kind="notification",
                                   allowed_domains=[], status="approved", created_by="legacy",
                                   decided_by="legacy-checker", decided_at=now, version=2,
                                   created_at=now, updated_at=now))
    await db_session.flush()
    assert (await reg.check(GOOD.format(sig="老签名")))["allowed"] is True


async def test_signature_decisions_are_audited(reg, client, headers, unit):
    [signature] = await reg.signatures(unit, "某某银行")
    events = await client.get(f"/v1/audit-events?entity=signature&entity_id={signature['id']}",
                              headers=reg.hq)
    assert [e["action"] for e in events.json()["items"]] == ["signature.registered",
                                                            "signature.approved"]
