"""Template monitoring (issue 8, item 3): a pending live sub-port's off-template text is
allowed and marked `enforced: false` until its province enforces templates."""

import datetime as dt

from sqlalchemy import select, update

from porttrust_shared.db import utcnow
from registry.models import BackfillCampaign, SendLogEntry, SubPort
from registry.service.monitoring import decide

NUMBER = "106901234567"
TEMPLATE = "【某某银行】您的验证码是{code:digits:6}，5分钟内有效，请勿泄露给他人。"
GOOD = "【某某银行】您的验证码是123456，5分钟内有效，请勿泄露给他人。"
OFF_TEMPLATE = "【某某银行】您好，这是一条没有登记模板的通知。"


async def setup(reg, client, headers) -> None:
    """An active notification sub-port with one approved template."""
    await reg.port()
    await reg.complete_sub_port(NUMBER)
    await client.post(f"/v1/sub-ports/{NUMBER}/activate", headers=reg.hq)
    await reg.approved_template(NUMBER, TEMPLATE)


async def check(client, headers, content: str) -> dict:
    response = await client.post("/v1/send-checks", headers=headers("gateway"), json={
        "sub_port": NUMBER, "recipient": "13812345678", "content": content})
    assert response.status_code == 200, response.text
    return response.json()


async def _campaign(db_session, *, deadline: dt.datetime,
                    template_from: dt.datetime | None = None, province: str = "44") -> None:
    db_session.add(BackfillCampaign(province=province, deadline=deadline,
                                    template_enforcement_from=template_from,
                                    updated_by="test"))
    await db_session.flush()


async def _pending_live(reg, client, headers, db_session) -> None:
    """An active sub-port with an approved template that then lost its machine room."""
    await setup(reg, client, headers)
    await db_session.execute(update(SubPort).where(SubPort.number == NUMBER)
                             .values(machine_room=None))


def test_waiver_only_for_template_reasons():
    assert decide(["no_template"], monitored=True) == (True, False)
    assert decide(["signature_mismatch", "fixed_text_mismatch"], monitored=True) == (True, False)
    assert decide(["recipient_opted_out", "no_template"], monitored=True) == (False, True)
    assert decide(["no_template"], monitored=False) == (False, True)
    assert decide([], monitored=True) == (True, True)


async def test_off_template_text_passes_unenforced_before_the_deadline(
        reg, client, headers, db_session):
    await _pending_live(reg, client, headers, db_session)
    await _campaign(db_session, deadline=utcnow() + dt.timedelta(days=30))
    result = await check(client, headers, content=OFF_TEMPLATE)
    assert (result["allowed"], result["enforced"]) == (True, False)
    assert result["reasons"] == ["fixed_text_mismatch"]


async def test_matching_text_stays_enforced_and_allowed(reg, client, headers, db_session):
    await _pending_live(reg, client, headers, db_session)
    await _campaign(db_session, deadline=utcnow() + dt.timedelta(days=30))
    result = await check(client, headers, content=GOOD)
    assert (result["allowed"], result["enforced"], result["reasons"]) == (True, True, [])


async def test_refused_from_template_enforcement_even_before_the_deadline(
        reg, client, headers, db_session):
    await _pending_live(reg, client, headers, db_session)
    await _campaign(db_session, deadline=utcnow() + dt.timedelta(days=30),
                    template_from=utcnow() - dt.timedelta(minutes=1))
    result = await check(client, headers, content=OFF_TEMPLATE)
    assert (result["allowed"], result["enforced"]) == (False, True)


async def test_refused_after_the_deadline(reg, client, headers, db_session):
    await _pending_live(reg, client, headers, db_session)
    await _campaign(db_session, deadline=utcnow() - dt.timedelta(minutes=1))
    result = await check(client, headers, content=OFF_TEMPLATE)
    assert (result["allowed"], result["enforced"]) == (False, True)


async def test_complete_sub_port_is_enforced_during_a_campaign(
        reg, client, headers, db_session):
    await setup(reg, client, headers)
    await _campaign(db_session, deadline=utcnow() + dt.timedelta(days=30))
    result = await check(client, headers, content=OFF_TEMPLATE)
    assert (result["allowed"], result["enforced"]) == (False, True)


async def test_no_campaign_means_no_waiver(reg, client, headers, db_session):
    await _pending_live(reg, client, headers, db_session)
    result = await check(client, headers, content=OFF_TEMPLATE)
    assert (result["allowed"], result["enforced"]) == (False, True)


async def test_opt_out_stays_enforced_during_monitoring(reg, client, headers, db_session):
    await _pending_live(reg, client, headers, db_session)
    await _campaign(db_session, deadline=utcnow() + dt.timedelta(days=30))
    await client.post("/v1/mo-messages", headers=headers("gateway"), json={
        "sub_port": NUMBER, "sender": "13812345678", "text": "T",
        "received_at": utcnow().isoformat()})
    result = await check(client, headers, content=OFF_TEMPLATE)
    assert (result["allowed"], result["enforced"]) == (False, True)
    assert "recipient_opted_out" in result["reasons"]


async def test_batch_answers_carry_enforced_and_the_log_keeps_it(
        reg, client, headers, db_session):
    await _pending_live(reg, client, headers, db_session)
    await _campaign(db_session, deadline=utcnow() + dt.timedelta(days=30))
    response = await client.post("/v1/send-checks/batch", headers=headers("gateway"), json={
        "checks": [{"sub_port": NUMBER, "recipient": "13812345678", "content": c}
                   for c in (GOOD, OFF_TEMPLATE)]})
    assert [(r["allowed"], r["enforced"]) for r in response.json()["results"]] == [
        (True, True), (True, False)]
    logged = (await db_session.execute(select(SendLogEntry.allowed, SendLogEntry.enforced)
                                       .order_by(SendLogEntry.id))).all()
    assert [tuple(row) for row in logged[-2:]] == [(True, True), (True, False)]
