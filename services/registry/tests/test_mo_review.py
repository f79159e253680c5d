"""Replies the rules cannot decide wait for a person; a phone's opt-outs can be searched."""

import pytest
from sqlalchemy import select

from registry.models import OptOut

NUMBER = "106901234567"
PHONE = "13812345678"
VERIFY = "【某某银行】您的验证码是{code:digits:6}，5分钟内有效，请勿泄露给他人。"
GOOD = "【某某银行】您的验证码是123456，5分钟内有效，请勿泄露给他人。"


@pytest.fixture(autouse=True)
async def live_sub_port(reg, client, headers):
    """An active sub-port with an approved template, so checks can be allowed."""
    await reg.port()
    await reg.complete_sub_port(NUMBER)
    await client.post(f"/v1/sub-ports/{NUMBER}/activate", headers=reg.hq)
    await reg.approved_template(NUMBER, VERIFY)


async def undecided(client, headers, who=None):
    response = await client.get("/v1/mo-messages?undecided=true",
                                headers=who or headers("province_operator", province="44"))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def decide(client, headers, mo_id, opt_out, who=None):
    return await client.post(f"/v1/mo-messages/{mo_id}/decide",
                             json={"opt_out": opt_out, "reason": "read it"},
                             headers=who or headers("province_operator", province="44"))


async def test_unclear_reply_is_kept_for_a_person(reg, client, headers):
    answer = await reg.reply("please stop it")
    assert answer["opt_out"] is False and answer["undecided"] is True
    [item] = await undecided(client, headers)
    assert item["id"] == answer["id"]
    assert item["text"] == "please stop it"
    assert item["sender"] == "138****5678"
    assert (await reg.check(GOOD))["allowed"] is True


async def test_clear_replies_are_not_in_the_queue(reg, client, headers):
    await reg.reply("T")
    await reg.reply("好的")
    assert await undecided(client, headers) == []


async def test_person_decides_an_unclear_reply_into_an_opt_out(reg, client, headers, db_session):
    mo_id = (await reg.reply("N 我再想想"))["id"]
    response = await decide(client, headers, mo_id, True)
    assert response.status_code == 200, response.text
    assert response.json()["opt_out"] is True and response.json()["undecided"] is False
    assert await undecided(client, headers) == []
    result = await reg.check(GOOD)
    assert result["reasons"] == ["recipient_opted_out"]
    [row] = (await db_session.execute(select(OptOut))).scalars().all()
    assert row.keyword == "person"


async def test_person_may_decide_it_is_no_opt_out(reg, client, headers):
    mo_id = (await reg.reply("see you at the end"))["id"]
    assert (await decide(client, headers, mo_id, False)).json()["opt_out"] is False
    assert (await reg.check(GOOD))["allowed"] is True


async def test_decision_is_audited_with_the_phone_masked(reg, client, headers):
    mo_id = (await reg.reply("R u there"))["id"]
    await decide(client, headers, mo_id, True)
    events = await client.get("/v1/audit-events?action=mo_message.decided",
                              headers=headers("hq_admin"))
    [entry] = events.json()["items"]
    assert entry["data"]["phone"] == "138****5678" and entry["data"]["opt_out"] is True
    assert PHONE not in events.text


async def test_a_reply_is_decided_once(reg, client, headers):
    mo_id = (await reg.reply("please stop it"))["id"]
    await decide(client, headers, mo_id, True)
    again = await decide(client, headers, mo_id, False)
    assert again.status_code == 409


async def test_a_clear_reply_cannot_be_decided_again(reg, client, headers):
    mo_id = (await reg.reply("T"))["id"]
    assert (await decide(client, headers, mo_id, False)).status_code == 409


async def test_another_province_neither_sees_nor_decides(reg, client, headers):
    mo_id = (await reg.reply("please stop it"))["id"]
    other = headers("province_operator", province="11")
    assert await undecided(client, headers, who=other) == []
    assert (await decide(client, headers, mo_id, True, who=other)).status_code == 404


async def test_gateway_cannot_decide(reg, client, headers):
    mo_id = (await reg.reply("please stop it"))["id"]
    assert (await decide(client, headers, mo_id, True,
                         who=headers("gateway"))).status_code == 403


async def test_phone_in_reply_text_is_masked_in_the_queue(reg, client, headers):
    await reg.reply("T 13912345678 是我")
    [item] = await undecided(client, headers)
    assert "13912345678" not in item["text"] and "139****5678" in item["text"]


async def search(client, headers, phone=PHONE, who=None):
    return await client.post("/v1/opt-outs/search", json={"phone": phone},
                             headers=who or headers("province_operator", province="44"))


async def test_phone_opt_outs_are_listed_masked(reg, client, headers):
    await reg.reply("退订")
    response = await search(client, headers)
    [item] = response.json()
    assert item["sub_port"] == NUMBER and item["phone"] == "138****5678"
    assert item["keyword"] == "退订"
    assert PHONE not in response.text


async def test_opt_out_search_is_province_scoped(reg, client, headers):
    await reg.reply("退订")
    assert (await search(client, headers, who=headers("province_operator",
                                                       province="11"))).json() == []
    assert len((await search(client, headers, who=headers("hq_admin"))).json()) == 1


async def test_opt_out_search_refuses_a_bad_phone_without_echo(reg, client, headers):
    response = await search(client, headers, phone="99912345678")
    assert response.status_code == 422 and "99912345678" not in response.text


async def test_opt_out_search_is_audited_masked(reg, client, headers):
    await search(client, headers)
    events = await client.get("/v1/audit-events?action=opt_out.searched",
                              headers=headers("hq_admin"))
    assert events.json()["items"][0]["entity_id"] == "138****5678"
