"""Progress over time for HQ (R9): one snapshot per province per day, the series, and
whitelist's combing figures read tolerantly (null when it cannot answer)."""

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from registry import sweeps
from registry.models import BackfillCampaign, ProgressSnapshot
from registry.service import progress

DAY1 = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
NUMBER = "106901234567"


@pytest.fixture(autouse=True)
def combing(whitelist):
    """conftest's whitelist stand-in, with combing counts for Guangdong."""
    whitelist.progress = {"provinces": [
        {"province": "44", "combing": {"customers": 4, "combed": 1, "rate": 0.25}}]}
    return whitelist


@pytest.fixture
def clock(monkeypatch):
    def at(moment):
        monkeypatch.setattr(progress, "utcnow", lambda: moment)
    return at


async def snapshot(client, headers):
    response = await client.post("/v1/reports/progress/snapshots", headers=headers("hq_admin"))
    assert response.status_code == 201, response.text
    return response.json()


async def series(client, headers, **params):
    response = await client.get("/v1/reports/progress", headers=headers("hq_admin"),
                                params={"from": "2026-12-01", "to": "2026-12-02", **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def activate(client, headers):
    await client.post(f"/v1/sub-ports/{NUMBER}/activate", json={}, headers=headers("hq_admin"))


async def test_two_days_of_snapshots_make_a_series(reg, client, headers, whitelist, clock):
    await reg.port()
    await reg.complete_sub_port()
    await activate(client, headers)
    clock(DAY1)
    await snapshot(client, headers)
    await reg.post(f"/v1/sub-ports/{NUMBER}/inaccuracies",
                   {"field": "purpose", "reason": "核查不准确"})
    clock(DAY2)
    await snapshot(client, headers)
    points = await series(client, headers, province="44")
    assert [(p["day"], p["live"], p["complete"], p["pending"]) for p in points] == [
        ("2026-12-01", 1, 1, 0), ("2026-12-02", 1, 0, 1)]
    assert [p["complete_rate"] for p in points] == [1.0, 0.0]


async def test_a_second_snapshot_the_same_day_updates_it_rather_than_adding_one(
        reg, client, headers, whitelist, clock):
    clock(DAY1)
    await snapshot(client, headers)
    await reg.port()
    await reg.complete_sub_port()
    await activate(client, headers)
    await snapshot(client, headers)
    points = await series(client, headers, province="44")
    assert [(p["day"], p["live"]) for p in points] == [("2026-12-01", 1)]


async def test_every_province_is_snapshotted_and_nothing_live_is_no_data(
        client, headers, whitelist, clock):
    clock(DAY1)
    taken = await snapshot(client, headers)
    assert len(taken["items"]) == 31
    quiet = next(p for p in taken["items"] if p["province"] == "11")
    assert (quiet["live"], quiet["complete_rate"]) == (0, None)


async def test_combing_figures_are_recorded_as_whitelist_gives_them(
        client, headers, whitelist, clock):
    clock(DAY1)
    await snapshot(client, headers)
    point = (await series(client, headers, province="44"))[0]
    assert point["combing"] == {"customers": 4, "combed": 1, "rate": 0.25}


async def test_whitelist_down_records_null_and_still_takes_the_snapshot(
        client, headers, whitelist, clock):
    whitelist.down = True
    clock(DAY1)
    await snapshot(client, headers)
    assert (await series(client, headers, province="44"))[0]["combing"] is None


async def test_an_unreadable_whitelist_answer_records_null(client, headers, whitelist, clock):
    whitelist.progress = {"provinces": "not a list"}
    clock(DAY1)
    await snapshot(client, headers)
    assert (await series(client, headers, province="44"))[0]["combing"] is None


async def test_suspended_at_the_deadline_is_counted(reg, client, headers, whitelist, clock):
    await reg.port()
    await reg.complete_sub_port()
    await activate(client, headers)
    await client.post(f"/v1/sub-ports/{NUMBER}/suspend", json={"reason": "backfill_deadline"},
                      headers=headers("hq_admin"))
    clock(DAY1)
    await snapshot(client, headers)
    point = (await series(client, headers, province="44"))[0]
    assert (point["live"], point["suspended_deadline"]) == (0, 1)


async def test_a_province_sees_only_its_own_series(client, headers, whitelist, clock):
    clock(DAY1)
    await snapshot(client, headers)
    own = await client.get("/v1/reports/progress", params={"from": "2026-12-01",
                                                           "to": "2026-12-01"},
                           headers=headers("province_operator", province="44"))
    other = await client.get("/v1/reports/progress", params={"province": "11"},
                             headers=headers("province_operator", province="44"))
    assert {p["province"] for p in own.json()["items"]} == {"44"}
    assert other.status_code == 404


async def test_only_hq_takes_a_snapshot_on_demand(client, headers, whitelist):
    response = await client.post("/v1/reports/progress/snapshots",
                                 headers=headers("province_operator", province="44"))
    assert response.status_code == 403


async def test_series_pages_by_cursor(client, headers, whitelist, clock):
    for moment in (DAY1, DAY2):
        clock(moment)
        await snapshot(client, headers)
    first = await client.get("/v1/reports/progress", headers=headers("hq_admin"),
                             params={"from": "2026-12-01", "to": "2026-12-02", "limit": 40})
    rest = await client.get("/v1/reports/progress", headers=headers("hq_admin"), params={
        "from": "2026-12-01", "to": "2026-12-02", "limit": 40,
        "cursor": first.json()["next_cursor"]})
    assert len(first.json()["items"]) + len(rest.json()["items"]) == 62
    assert rest.json()["next_cursor"] is None


async def test_a_range_of_more_than_a_year_is_400(client, headers):
    response = await client.get("/v1/reports/progress", headers=headers("hq_admin"),
                                params={"from": "2025-01-01", "to": "2026-12-01"})
    assert response.status_code == 400


async def campaign(db_session, deadline):
    db_session.add(BackfillCampaign(province="44", deadline=deadline, updated_by="hq"))
    await db_session.flush()


async def test_incomplete_live_is_pending_before_the_deadline_and_overdue_after(
        reg, client, headers, db_session, clock):
    await reg.port()
    await reg.complete_sub_port()
    await activate(client, headers)
    await reg.post(f"/v1/sub-ports/{NUMBER}/inaccuracies",
                   {"field": "equipment", "reason": "核查不准确"})
    await campaign(db_session, DAY1 + dt.timedelta(hours=12))
    for moment in (DAY1, DAY2):
        clock(moment)
        await snapshot(client, headers)
    points = await series(client, headers, province="44")
    assert [(p["pending"], p["overdue"]) for p in points] == [(1, 0), (0, 1)]


async def test_province_report_gives_each_campaigns_deadline_and_days_left(
        client, headers, db_session):
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    await campaign(db_session, deadline)
    report = await client.get("/v1/reports/provinces", headers=headers("hq_admin"))
    rows = {i["province"]: i["campaign"] for i in report.json()["items"]}
    assert rows["44"]["days_left"] == 10
    assert rows["11"] is None


async def test_the_daily_job_takes_todays_snapshot_once(app, client, headers, db_session):
    await sweeps.snapshot_today(app, refresh=False)
    await sweeps.snapshot_today(app, refresh=False)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    count = await db_session.execute(select(func.count()).select_from(ProgressSnapshot).where(
        ProgressSnapshot.day == today))
    assert count.scalar_one() == 31


async def test_the_job_runs_in_the_background_once_started(app, db_session):
    await sweeps.SWEEPS["progress"].start(app)
    try:
        for _ in range(200):
            rows = (await db_session.execute(
                select(func.count()).select_from(ProgressSnapshot))).scalar_one()
            if rows == 31:  # the job's pass is written (its rows may be seen mid-flush)
                break
            await asyncio.sleep(0.05)
    finally:
        await sweeps.SWEEPS["progress"].stop(app)
    assert rows == 31
