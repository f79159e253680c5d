"""Templates: registration rules (R4, R5, R6), four-eyes decisions, scoping, audit."""

NUMBER = "106901234567"
VERIFY = "【某某银行】您的验证码是{code:digits:6}，5分钟内有效，请勿泄露给他人。"
PROMO = "【某某商城】会员日全场满299减50，详情{link:url:40}，回T退订"


async def sub_port(reg, client, headers, *, business_type="notification", province="44",
                   number=NUMBER):
    await reg.port(number[:8], province)
    sub = await reg.complete_sub_port(number, province)
    if business_type != sub["business_type"]:
        response = await client.patch(f"/v1/sub-ports/{number}",
                                      json={"business_type": business_type},
                                      headers={**reg.hq, "If-Match": f'W/"{sub["version"]}"'})
        assert response.status_code == 200, response.text
    await reg.signatures(sub["user_unit_uscc"], "某某银行", "某某商城")
    return sub


async def register(client, headers, text=VERIFY, kind="notification", number=NUMBER,
                   who=None, **extra):
    return await client.post(f"/v1/sub-ports/{number}/templates",
                             json={"text": text, "kind": kind, **extra},
                             headers=who or headers("hq_admin", sub="author"))


async def test_template_registers_pending_with_signature_and_variables(reg, client, headers):
    await sub_port(reg, client, headers)
    response = await register(client, headers)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["signature"] == "某某银行"
    assert body["variables"] == [{"name": "code", "type": "digits", "max": 6}]


async def test_template_without_signature_is_refused(reg, client, headers):
    await sub_port(reg, client, headers)
    response = await register(client, headers, text=VERIFY.removeprefix("【某某银行】"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "signature_missing"


async def test_marketing_template_without_opt_out_instruction_is_refused(reg, client, headers):
    await sub_port(reg, client, headers, business_type="marketing")
    response = await register(client, headers, kind="marketing",
                              text=PROMO.removesuffix("，回T退订"))
    assert response.status_code == 422
    assert response.json()["problems"] == ["opt_out_instruction_missing"]


async def test_marketing_template_with_opt_out_instruction_registers(reg, client, headers):
    await sub_port(reg, client, headers, business_type="marketing")
    response = await register(client, headers, kind="marketing", text=PROMO,
                              allowed_domains=["shop.example.com"])
    assert response.status_code == 201
    assert response.json()["allowed_domains"] == ["shop.example.com"]


async def test_notification_sub_port_cannot_register_a_marketing_template(reg, client, headers):
    await sub_port(reg, client, headers)
    response = await register(client, headers, kind="marketing", text=PROMO)
    assert response.status_code == 422
    assert response.json()["problems"] == ["kind_mismatch"]


async def test_template_mostly_variable_is_refused(reg, client, headers):
    await sub_port(reg, client, headers)
    response = await register(client, headers, text="【某某银行】通知：{body:text:300}")
    assert response.json()["problems"] == ["not_mostly_fixed"]


async def test_unknown_variable_type_is_refused_without_echoing_the_text(reg, client, headers):
    await sub_port(reg, client, headers)
    text = "【某某银行】您的秘密口令是{x:secret}，勿告知他人。"
    response = await register(client, headers, text=text)
    assert response.status_code == 422
    assert "秘密口令" not in response.text


async def test_unknown_field_is_rejected(reg, client, headers):
    await sub_port(reg, client, headers)
    response = await register(client, headers, priority="high")
    assert response.status_code == 422


async def test_template_on_unknown_sub_port_is_404(client, headers):
    response = await register(client, headers, number="106909999999")
    assert response.status_code == 404


async def test_other_province_cannot_see_or_register_templates(reg, client, headers):
    await sub_port(reg, client, headers)
    foreign = headers("province_operator", province="11")
    assert (await register(client, headers, who=foreign)).status_code == 404
    listed = await client.get(f"/v1/sub-ports/{NUMBER}/templates", headers=foreign)
    assert listed.status_code == 404


async def test_author_cannot_approve_own_template(reg, client, headers):
    await sub_port(reg, client, headers)
    template = (await register(client, headers)).json()
    response = await client.post(f"/v1/templates/{template['id']}/approve",
                                 headers=headers("hq_admin", sub="author"))
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"


async def test_an_identity_the_author_created_cannot_approve_either(reg, client, headers):
    await sub_port(reg, client, headers)
    template = (await register(client, headers)).json()
    response = await client.post(f"/v1/templates/{template['id']}/approve",
                                 headers=headers("hq_admin", sub="c-proxy", owner="author"))
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"


async def test_another_person_approves_the_template(reg, client, headers):
    await sub_port(reg, client, headers)
    template = (await register(client, headers)).json()
    response = await client.post(f"/v1/templates/{template['id']}/approve",
                                 headers=headers("province_operator", province="44",
                                                 sub="checker"))
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["decided_by"] == "checker"


async def test_operator_of_another_province_cannot_approve(reg, client, headers):
    await sub_port(reg, client, headers)
    template = (await register(client, headers)).json()
    response = await client.post(f"/v1/templates/{template['id']}/approve",
                                 headers=headers("province_operator", province="11"))
    assert response.status_code == 404


async def test_reject_needs_a_reason_and_is_final(reg, client, headers):
    await sub_port(reg, client, headers)
    template = (await register(client, headers)).json()
    url = f"/v1/templates/{template['id']}"
    assert (await client.post(url + "/reject", json={},
                              headers=headers("hq_admin"))).status_code == 422
    rejected = await client.post(url + "/reject", json={"reason": "签名与单位不符"},
                                 headers=headers("hq_admin"))
    again = await client.post(url + "/approve", headers=headers("hq_admin"))
    assert rejected.json()["status"] == "rejected"
    assert again.status_code == 409


async def test_gateway_cannot_register_templates(reg, client, headers):
    await sub_port(reg, client, headers)
    assert (await register(client, headers, who=headers("gateway"))).status_code == 403


async def test_templates_list_by_status(reg, client, headers):
    await sub_port(reg, client, headers)
    first = (await register(client, headers)).json()
    await register(client, headers, text=VERIFY.replace("5分钟", "10分钟"))
    await client.post(f"/v1/templates/{first['id']}/approve", headers=headers("hq_admin"))
    listed = await client.get(f"/v1/sub-ports/{NUMBER}/templates?status=approved",
                              headers=headers("gateway"))
    assert [t["id"] for t in listed.json()["items"]] == [first["id"]]


async def test_registration_and_decision_are_audited(reg, client, headers):
    await sub_port(reg, client, headers)
    template = (await register(client, headers)).json()
    await client.post(f"/v1/templates/{template['id']}/approve", headers=headers("hq_admin"))
    events = await client.get("/v1/audit-events?entity=template", headers=headers("hq_admin"))
    actions = [e["action"] for e in events.json()["items"] if e["entity_id"] == template["id"]]
    assert sorted(actions) == ["template.approved", "template.registered"]


async def test_idempotency_key_replays_the_first_registration(reg, client, headers):
    await sub_port(reg, client, headers)
    who = {**headers("hq_admin", sub="author"), "Idempotency-Key": "tpl-1"}
    first = await register(client, headers, who=who)
    second = await register(client, headers, who=who)
    assert second.json()["id"] == first.json()["id"]
