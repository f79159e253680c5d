"""The send check: sub-port state, templates, opt-outs, marketing on service ports, batches."""

import logging

import pytest
from sqlalchemy import select

from registry.models import SendLogEntry

NUMBER = "106901234567"
PHONE = "13812345678"
VERIFY = "【某某银行】您的验证码是{code:digits:6}，5分钟内有效，请勿泄露给他人。"
GOOD = "【某某银行】您的验证码是123456，5分钟内有效，请勿泄露给他人。"
PROMO = "【某某商城】会员日全场满299减50，详情{link:url:40}，回T退订"


async def setup(reg, client, headers, *, number=NUMBER, business_type="notification",
                text=VERIFY, approve=True, activate=True, province="44"):
    """An active sub-port with one template, approved unless told otherwise."""
    await reg.port(number[:8], province)
    sub = await reg.complete_sub_port(number, province)
    if business_type != sub["business_type"]:
        await client.patch(f"/v1/sub-ports/{number}", json={"business_type": business_type},
                           headers={**reg.hq, "If-Match": f'W/"{sub["version"]}"'})
    if activate:
        await client.post(f"/v1/sub-ports/{number}/activate", headers=reg.hq)
    await reg.signatures(sub["user_unit_uscc"], text[1:text.index("】")])
    template = await client.post(
        f"/v1/sub-ports/{number}/templates", headers=headers("hq_admin", sub="author"),
        json={"text": text, "kind": business_type, "allowed_domains": ["shop.example.com"]
              if "{link:url" in text else []})
    assert template.status_code == 201, template.text
    if approve:
        await client.post(f"/v1/templates/{template.json()['id']}/approve",
                          headers=headers("hq_admin", sub="checker"))
    return template.json()


async def check(client, headers, content=GOOD, number=NUMBER, recipient=PHONE,
                who=None):
    response = await client.post("/v1/send-checks", json={
        "sub_port": number, "recipient": recipient, "content": content},
        headers=who or headers("gateway"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_matching_message_on_active_sub_port_is_allowed(reg, client, headers):
    template = await setup(reg, client, headers)
    result = await check(client, headers)
    assert result["allowed"] is True
    assert result["reasons"] == []
    assert result["template_id"] == template["id"]


async def test_recipient_comes_back_masked(reg, client, headers):
    await setup(reg, client, headers)
    result = await check(client, headers)
    assert result["recipient"] == "138****5678"


async def test_unknown_sub_port_is_refused(client, headers):
    result = await check(client, headers, number="106909999999")
    assert result["allowed"] is False
    assert result["reasons"] == ["sub_port_unknown"]


async def test_m2m_port_is_refused(client, headers):
    result = await check(client, headers, number="106401234567")
    assert result["reasons"] == ["m2m_port"]


async def test_registered_but_not_activated_sub_port_is_refused(reg, client, headers):
    await setup(reg, client, headers, activate=False)
    result = await check(client, headers)
    assert result["reasons"] == ["sub_port_not_active"]


async def test_suspended_sub_port_is_refused(reg, client, headers):
    await setup(reg, client, headers)
    await client.post(f"/v1/sub-ports/{NUMBER}/suspend", json={"reason": "投诉核查"},
                      headers=reg.hq)
    result = await check(client, headers)
    assert result["reasons"] == ["sub_port_not_active"]


async def test_invalid_recipient_is_a_reason_not_an_error(reg, client, headers):
    await setup(reg, client, headers)
    result = await check(client, headers, recipient="12345")
    assert result["reasons"] == ["recipient_invalid"]


async def test_pending_template_is_template_not_approved(reg, client, headers):
    template = await setup(reg, client, headers, approve=False)
    result = await check(client, headers)
    assert result["reasons"] == ["template_not_approved"]
    assert result["template_id"] == template["id"]


async def test_sub_port_without_templates_is_no_template(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    await client.post(f"/v1/sub-ports/{NUMBER}/activate", headers=reg.hq)
    result = await check(client, headers)
    assert result["reasons"] == ["no_template"]
    assert result["explanation"] is None


async def test_wrong_signature_is_signature_mismatch(reg, client, headers):
    await setup(reg, client, headers)
    result = await check(client, headers, content=GOOD.replace("某某银行", "其他银行"))
    assert result["reasons"] == ["signature_mismatch"]


async def test_failed_check_explains_the_failing_part(reg, client, headers):
    await setup(reg, client, headers)
    result = await check(client, headers, content=GOOD.replace("123456", "1234567"))
    failed = [s for s in result["explanation"]["segments"] if s["ok"] is False]
    assert result["reasons"] == ["variable_too_long"]
    assert failed == [{"index": 2, "part": "variable", "ok": False,
                       "reason": "variable_too_long", "name": "code", "type": "digits"}]


async def test_changed_fixed_text_is_fixed_text_mismatch(reg, client, headers):
    await setup(reg, client, headers)
    result = await check(client, headers, content=GOOD.replace("请勿泄露", "请转发"))
    assert result["reasons"] == ["fixed_text_mismatch"]


async def test_off_list_url_in_marketing_message_is_refused(reg, client, headers):
    await setup(reg, client, headers, business_type="marketing", text=PROMO)
    content = "【某某商城】会员日全场满299减50，详情https://evil.example.net/x，回T退订"
    result = await check(client, headers, content=content)
    assert result["reasons"] == ["url_off_list"]


async def test_marketing_message_on_marketing_port_is_allowed(reg, client, headers):
    await setup(reg, client, headers, business_type="marketing", text=PROMO)
    content = "【某某商城】会员日全场满299减50，详情https://shop.example.com/a，回T退订"
    assert (await check(client, headers, content=content))["allowed"] is True


async def test_promotion_on_notification_port_is_marketing_on_service_port(
        reg, client, headers):
    await setup(reg, client, headers)
    result = await check(client, headers, content="【某某银行】信用卡限时抢购低至五折，回T退订")
    assert "marketing_on_service_port" in result["reasons"]


@pytest.mark.parametrize("number", ["106201234567", "106601234567"])
async def test_marketing_sub_port_on_a_fee_charging_port_may_send_marketing(
        reg, client, headers, number):
    # BRIEF: the 4th digit says 经营性 (fee-charging), not whether marketing is allowed.
    await setup(reg, client, headers, number=number, business_type="marketing", text=PROMO)
    content = "【某某商城】会员日全场满299减50，详情https://shop.example.com/a，回T退订"
    result = await check(client, headers, content=content, number=number)
    assert (result["allowed"], result["reasons"]) == (True, [])


@pytest.mark.parametrize("number", ["106201234567", "106301234567", "106901234567"])
async def test_notification_sub_port_is_refused_marketing_whatever_the_port_class(
        reg, client, headers, number):
    await setup(reg, client, headers, number=number)
    result = await check(client, headers, number=number,
                         content="【某某银行】信用卡限时抢购低至五折，回T退订")
    assert "marketing_on_service_port" in result["reasons"]


async def test_marketing_template_matched_on_port_turned_notification_is_refused(
        reg, client, headers):
    await setup(reg, client, headers, business_type="marketing", text=PROMO)
    current = await client.get(f"/v1/sub-ports/{NUMBER}", headers=reg.hq)
    await client.patch(f"/v1/sub-ports/{NUMBER}", json={"business_type": "notification"},
                       headers={**reg.hq, "If-Match": current.headers["ETag"]})
    content = "【某某商城】会员日全场满299减50，详情https://shop.example.com/a，回T退订"
    result = await check(client, headers, content=content)
    assert result["reasons"] == ["marketing_on_service_port"]


async def test_operator_of_another_province_sees_sub_port_unknown(reg, client, headers):
    await setup(reg, client, headers)
    result = await check(client, headers, who=headers("province_operator", province="11"))
    assert result["reasons"] == ["sub_port_unknown"]


async def test_operator_of_own_province_may_check(reg, client, headers):
    await setup(reg, client, headers)
    result = await check(client, headers, who=headers("province_operator", province="44"))
    assert result["allowed"] is True


async def test_enforcement_role_may_not_check(client, headers):
    response = await client.post("/v1/send-checks", json={
        "sub_port": NUMBER, "recipient": PHONE, "content": GOOD},
        headers=headers("enforcement"))
    assert response.status_code == 403


async def test_unknown_field_in_check_is_rejected(client, headers):
    response = await client.post("/v1/send-checks", json={
        "sub_port": NUMBER, "recipient": PHONE, "content": GOOD, "priority": 1},
        headers=headers("gateway"))
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/v1/send-checks", "/v1/send-checks/batch"])
async def test_json_nested_past_any_reader_s_depth_is_a_422(client, headers, path):
    """The plain reader declines it (not the schema's shape) and pydantic's answers."""
    response = await client.post(path, content=b"[" * 100_000 + b"]" * 100_000, headers={
        **headers("gateway"), "content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_batch_answers_each_check_in_order(reg, client, headers):
    await setup(reg, client, headers)
    checks = [{"sub_port": NUMBER, "recipient": PHONE, "content": GOOD},
              {"sub_port": "106909999999", "recipient": PHONE, "content": GOOD}]
    response = await client.post("/v1/send-checks/batch", json={"checks": checks},
                                 headers=headers("gateway"))
    assert [r["allowed"] for r in response.json()["results"]] == [True, False]


async def test_batch_of_1000_is_accepted(client, headers):
    checks = [{"sub_port": "106909999999", "recipient": PHONE, "content": GOOD}] * 1000
    response = await client.post("/v1/send-checks/batch", json={"checks": checks},
                                 headers=headers("gateway"))
    assert len(response.json()["results"]) == 1000


async def test_batch_over_1000_is_refused(client, headers):
    checks = [{"sub_port": NUMBER, "recipient": PHONE, "content": GOOD}] * 1001
    response = await client.post("/v1/send-checks/batch", json={"checks": checks},
                                 headers=headers("gateway"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_every_check_is_written_to_the_send_log(reg, client, headers, db_session):
    await setup(reg, client, headers)
    await check(client, headers)
    await check(client, headers, content=GOOD.replace("某某银行", "其他银行"))
    rows = (await db_session.execute(select(SendLogEntry).where(
        SendLogEntry.sub_port_number == NUMBER).order_by(SendLogEntry.id))).scalars().all()
    assert [(r.allowed, r.reasons) for r in rows] == [(True, []),
                                                       (False, ["signature_mismatch"])]


async def test_send_log_keeps_no_phone_or_body_in_clear(reg, client, headers, db_session):
    await setup(reg, client, headers)
    await check(client, headers)
    row = (await db_session.execute(select(SendLogEntry))).scalars().first()
    assert row.recipient_masked == "138****5678"
    assert PHONE not in repr(vars(row))
    assert "123456" not in row.content_digest
    assert row.content_length == len(GOOD)


@pytest.mark.parametrize("recipient", [PHONE, "1381234567"])
async def test_no_unmasked_phone_in_response_or_log(reg, client, headers, caplog, recipient):
    await setup(reg, client, headers)
    with caplog.at_level(logging.DEBUG):
        response = await client.post("/v1/send-checks", json={
            "sub_port": NUMBER, "recipient": recipient, "content": GOOD},
            headers=headers("gateway"))
    assert recipient not in response.text
    assert recipient not in caplog.text


async def test_approval_takes_effect_on_the_next_check(reg, client, headers):
    template = await setup(reg, client, headers, approve=False)
    before = await check(client, headers)
    await client.post(f"/v1/templates/{template['id']}/approve",
                      headers=headers("hq_admin", sub="checker"))
    assert before["allowed"] is False
    assert (await check(client, headers))["allowed"] is True


async def test_rejected_template_is_template_not_approved(reg, client, headers):
    template = await setup(reg, client, headers, approve=False)
    await client.post(f"/v1/templates/{template['id']}/reject", json={"reason": "签名不符"},
                      headers=headers("hq_admin", sub="checker"))
    assert (await check(client, headers))["reasons"] == ["template_not_approved"]
