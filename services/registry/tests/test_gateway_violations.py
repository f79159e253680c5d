"""Gateway violations read from the day's send log by the periodic job, reported to credit at
most once per sub-port and day."""

import datetime as dt

import pytest
from sqlalchemy import select

from registry.models import OutboxEvent, SendLogEntry
from registry.service.gateway_violations import (
    DAY_ZONE,
    ViolationRule,
    day_bounds,
    previous_day,
    scan_day,
)

NUMBER = "106901234567"
DAY = dt.date(2026, 11, 20)
RULE = ViolationRule(mismatch_share=0.2, min_checks=10)


@pytest.fixture
async def sub_port(reg):
    await reg.port()
    return await reg.complete_sub_port(NUMBER)


def log(db_session, n, *, reasons=(), allowed=None, number=NUMBER, day=DAY, hour=10):
    start, _ = day_bounds(day)
    for i in range(n):
        db_session.add(SendLogEntry(
            checked_at=start + dt.timedelta(hours=hour, seconds=i), sub_port_number=number,
            province="44", recipient_index=None, recipient_masked="138****5678",
            allowed=not reasons if allowed is None else allowed, reasons=list(reasons),
            template_id=None, content_digest="d" * 64, content_length=30, actor="gw"))


async def events(db_session):
    rows = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "credit_event.reported"))).scalars().all()
    return [r.payload for r in rows]


async def test_marketing_refusals_give_one_event_with_counts_and_log_ids(sub_port, db_session):
    log(db_session, 7)
    log(db_session, 3, reasons=["no_template", "marketing_on_service_port"])
    await db_session.flush()
    await scan_day(db_session, day=DAY, rule=RULE)
    [event] = await events(db_session)
    assert (event["type"], event["subject"]) == (
        "marketing_on_service_port", {"kind": "user_unit", "key": sub_port["user_unit_uscc"]})
    assert (event["evidence"]["checks"], event["evidence"]["marketing_on_service_port"]) == (10, 3)
    assert len(event["evidence"]["send_log_ids"]) == 3
    assert event["source_ref"] == f"registry:gateway:{NUMBER}:{DAY}"


async def test_template_mismatches_above_the_share_give_one_event(sub_port, db_session):
    log(db_session, 7)
    log(db_session, 3, reasons=["fixed_text_mismatch"])
    await db_session.flush()
    await scan_day(db_session, day=DAY, rule=RULE)
    assert [e["type"] for e in await events(db_session)] == ["template_mismatch"]


async def test_mismatches_at_or_below_the_share_give_nothing(sub_port, db_session):
    log(db_session, 8)
    log(db_session, 2, reasons=["no_template"])
    await db_session.flush()
    await scan_day(db_session, day=DAY, rule=RULE)
    assert await events(db_session) == []


async def test_too_few_checks_give_no_template_event(sub_port, db_session):
    log(db_session, 5, reasons=["no_template"])
    await db_session.flush()
    await scan_day(db_session, day=DAY, rule=RULE)
    assert await events(db_session) == []


async def test_monitored_mismatches_that_were_allowed_do_not_count(sub_port, db_session):
    log(db_session, 10, reasons=["no_template"], allowed=True)
    await db_session.flush()
    await scan_day(db_session, day=DAY, rule=RULE)
    assert await events(db_session) == []


async def test_a_second_scan_of_the_day_reports_nothing_new(sub_port, db_session):
    log(db_session, 2, reasons=["marketing_on_service_port"])
    await db_session.flush()
    first = await scan_day(db_session, day=DAY, rule=RULE)
    log(db_session, 2, reasons=["marketing_on_service_port"], hour=20)
    await db_session.flush()
    again = await scan_day(db_session, day=DAY, rule=RULE)
    assert [r.id for r in again] == [r.id for r in first]
    assert len(await events(db_session)) == 1


async def test_each_day_is_its_own(sub_port, db_session):
    for day in (DAY, DAY + dt.timedelta(days=1)):
        log(db_session, 1, reasons=["marketing_on_service_port"], day=day)
        await db_session.flush()
        await scan_day(db_session, day=day, rule=RULE)
    assert len(await events(db_session)) == 2


async def test_the_day_is_the_operators_calendar_day(sub_port, db_session):
    start, end = day_bounds(DAY)
    assert start == dt.datetime(2026, 11, 19, 16, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(days=1)
    assert previous_day(dt.datetime(2026, 11, 20, 17, tzinfo=dt.UTC)) == DAY
    assert DAY_ZONE.utcoffset(None) == dt.timedelta(hours=8)


async def test_the_evidence_never_holds_message_text(sub_port, db_session):
    log(db_session, 1, reasons=["marketing_on_service_port"])
    await db_session.flush()
    await scan_day(db_session, day=DAY, rule=RULE)
    evidence = (await events(db_session))[0]["evidence"]
    assert set(evidence) == {"sub_port", "day", "checks", "marketing_on_service_port",
                             "template_mismatch", "mismatch_share_limit", "send_log_ids"}


async def test_the_scan_route_is_for_hq_admin(sub_port, client, headers, db_session):
    log(db_session, 1, reasons=["marketing_on_service_port"])
    await db_session.flush()
    refused = await client.post("/v1/gateway-violations/scan", json={"day": str(DAY)},
                                headers=headers("province_operator", province="44"))
    response = await client.post("/v1/gateway-violations/scan", json={"day": str(DAY)},
                                 headers=headers("hq_admin"))
    assert refused.status_code == 403
    assert [(r["sub_port_number"], r["type"]) for r in response.json()["reports"]] == [
        (NUMBER, "marketing_on_service_port")]


async def test_a_day_whose_hours_leave_utcs_years_is_422(client, headers):
    for day in ("0001-01-01", "9999-12-31"):
        response = await client.post("/v1/gateway-violations/scan", json={"day": day},
                                     headers=headers("hq_admin"))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
