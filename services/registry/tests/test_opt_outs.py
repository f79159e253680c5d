"""Mo messages and opt-outs (R5): a keyword reply stops that sub-port, at once, and only it."""

import logging

import pytest
from sqlalchemy import select

from registry.models import MoMessage, OptOut

NUMBER = "106901234567"
OTHER = "106901234568"
PHONE = "13812345678"
VERIFY = "【某某银行】您的验证码是{code:digits:6}，5分钟内有效，请勿泄露给他人。"
GOOD = "【某某银行】您的验证码是123456，5分钟内有效，请勿泄露给他人。"
KEYWORDS = ["T", "TD", "R", "N", "退订", "拒收", "取消", "STOP", "UNSUBSCRIBE", "CANCEL", "END",
            "QUIT"]


async def active(reg, client, headers, number):
    sub = await reg.complete_sub_port(number)
    await client.post(f"/v1/sub-ports/{number}/activate", headers=reg.hq)
    await reg.approved_template(number, VERIFY)
    return sub


async def reply(client, headers, text, number=NUMBER, sender=PHONE):
    return await client.post("/v1/mo-messages", json={
        "sub_port": number, "sender": sender, "text": text,
        "received_at": "2026-11-29T04:00:00+08:00"}, headers=headers("gateway"))


async def allowed(client, headers, number=NUMBER):
    response = await client.post("/v1/send-checks", json={
        "sub_port": number, "recipient": PHONE, "content": GOOD}, headers=headers("gateway"))
    return response.json()


@pytest.fixture
async def two_sub_ports(reg, client, headers):
    await reg.port()
    await active(reg, client, headers, NUMBER)
    await active(reg, client, headers, OTHER)


@pytest.fixture
async def bare_sub_port(reg):
    """Enough for a reply to be recorded: a registered sub-port."""
    await reg.port()
    await reg.sub_port(NUMBER)


@pytest.mark.parametrize("keyword", KEYWORDS)
async def test_each_keyword_is_an_opt_out(bare_sub_port, client, headers, keyword):
    response = await reply(client, headers, keyword)
    assert response.status_code == 201
    assert response.json()["opt_out"] is True


@pytest.mark.parametrize("text", ["t", " Td ", "ｓｔｏｐ", "Unsubscribe\n", "退订 "])
async def test_keywords_ignore_case_width_and_surrounding_space(bare_sub_port, client,
                                                                headers, text):
    assert (await reply(client, headers, text)).json()["opt_out"] is True


@pytest.mark.parametrize("text", ["谢谢", "不退订", "please stop it", "1"])
async def test_other_replies_are_recorded_but_not_opt_outs(bare_sub_port, client, headers,
                                                           db_session, text):
    response = await reply(client, headers, text)
    recorded = (await db_session.execute(select(MoMessage))).scalars().all()
    assert response.json()["opt_out"] is False
    assert len(recorded) == 1


async def test_response_masks_the_sender(two_sub_ports, client, headers):
    response = await reply(client, headers, "T")
    assert response.json()["sender"] == "138****5678"
    assert PHONE not in response.text


async def test_opt_out_is_honoured_by_the_very_next_check(two_sub_ports, client, headers):
    assert (await allowed(client, headers))["allowed"] is True
    await reply(client, headers, "T")
    result = await allowed(client, headers)
    assert result["allowed"] is False
    assert result["reasons"] == ["recipient_opted_out"]


async def test_opt_out_applies_to_that_sub_port_only(two_sub_ports, client, headers):
    await reply(client, headers, "退订")
    assert (await allowed(client, headers, OTHER))["allowed"] is True


async def test_plain_reply_does_not_stop_messages(two_sub_ports, client, headers):
    await reply(client, headers, "收到")
    assert (await allowed(client, headers))["allowed"] is True


async def test_repeated_opt_out_is_kept_once(two_sub_ports, client, headers, db_session):
    await reply(client, headers, "T")
    await reply(client, headers, "STOP")
    rows = (await db_session.execute(select(OptOut))).scalars().all()
    assert len(rows) == 1


async def test_phone_and_text_are_stored_encrypted(two_sub_ports, client, headers, db_session):
    await reply(client, headers, "退订")
    mo = (await db_session.execute(select(MoMessage))).scalars().one()
    opt_out = (await db_session.execute(select(OptOut))).scalars().one()
    assert PHONE not in mo.phone_enc + mo.text_enc + opt_out.phone_enc
    assert "退订" not in mo.text_enc


async def test_reply_to_unknown_sub_port_is_404(client, headers):
    assert (await reply(client, headers, "T", number="106909999999")).status_code == 404


async def test_invalid_sender_is_422_without_echo(two_sub_ports, client, headers):
    response = await reply(client, headers, "T", sender="99912345678")
    assert response.status_code == 422
    assert "99912345678" not in response.text


async def test_naive_received_at_is_422(two_sub_ports, client, headers):
    response = await client.post("/v1/mo-messages", json={
        "sub_port": NUMBER, "sender": PHONE, "text": "T",
        "received_at": "2026-11-29T04:00:00"}, headers=headers("gateway"))
    assert response.status_code == 422


async def test_only_gateways_and_services_report_replies(two_sub_ports, client, headers):
    response = await client.post("/v1/mo-messages", json={
        "sub_port": NUMBER, "sender": PHONE, "text": "T",
        "received_at": "2026-11-29T04:00:00+08:00"}, headers=headers("province_operator",
                                                                     province="44"))
    assert response.status_code == 403


async def test_no_phone_in_logs(two_sub_ports, client, headers, caplog):
    with caplog.at_level(logging.DEBUG):
        await reply(client, headers, "T")
        await allowed(client, headers)
    assert PHONE not in caplog.text


async def test_opt_out_is_audited_with_the_phone_masked(two_sub_ports, client, headers):
    await reply(client, headers, "T")
    events = await client.get("/v1/audit-events", headers=headers("hq_admin"))
    entry = next(e for e in events.json()["items"] if e["action"] == "opt_out.recorded")
    assert entry["data"]["phone"] == "138****5678"
    assert PHONE not in events.text
