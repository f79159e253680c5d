"""Back-fill campaigns and the deadline sweep (issue 8, item 2)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from porttrust_shared.db import utcnow
from registry.models import AuditEvent, BackfillCampaign, SubPort
from registry.sweeps import sweep_due

DEADLINE = utcnow() + dt.timedelta(days=30)
pytestmark = pytest.mark.usefixtures("whitelist")


async def _put(client, headers, province="44", role="hq_admin", **body):
    body = {"deadline": DEADLINE.isoformat(), **body}
    return await client.put(f"/v1/backfill/campaigns/{province}", json=body,
                            headers=headers(role))


def _freeze(monkeypatch, moment: dt.datetime) -> None:
    """The sweeper's clock (what decides which deadlines passed)."""
    monkeypatch.setattr("registry.sweeps.utcnow", lambda: moment)


async def _sweep(app):
    return await sweep_due(app.state.sessions, whitelist=app.state.whitelist)


async def _statuses(db_session) -> dict[str, str]:
    db_session.expire_all()
    rows = await db_session.execute(select(SubPort.number, SubPort.status))
    return dict(rows.all())


@pytest.fixture
async def live_stock(reg, client, headers):
    """Province 44's installed base, imported live: ...01 complete, ...02-...05 incomplete
    (...03 whitelisted at the whitelist service, ...04 flagged whitelisted here), and one
    incomplete live sub-port in province 11."""
    await reg.port()
    await reg.port("10690555", province="11")
    unit = await reg.signed_unit("44", "1069012301")
    handler = await reg.handler(unit)
    base = {"province": "44", "user_unit_uscc": unit["uscc"], "business_type": "notification",
            "purpose": "通知", "equipment": "SMSC-07", "status": "active"}
    rows = [{**base, "number": "1069012301", "handler_id": handler["id"],
             "machine_room": "A3"},
            *({**base, "number": f"106901230{n}"} for n in range(2, 6)),
            {**base, "number": "1069055501", "province": "11"}]
    result = await reg.import_rows(rows)
    assert result["counts"]["created"] == 6, result
    granted = await client.post("/v1/events", headers=headers("service"), json={
        "id": "a" * 32, "source": "whitelist", "topic": "whitelist.granted", "payload": {
            "entry_id": "e1", "number": "1069012304", "category": "emergency_rescue"}})
    assert granted.status_code == 200, granted.text


async def test_hq_admin_sets_a_campaign_and_the_same_body_changes_nothing(
        client, headers, db_session):
    first = await _put(client, headers)
    again = await _put(client, headers)
    assert first.status_code == again.status_code == 200, first.text
    assert (first.json()["version"], again.json()["version"]) == (1, 1)
    assert first.json()["templates_enforced_from"] == first.json()["deadline"]
    audits = await db_session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "backfill.campaign_set"))
    assert audits.scalar_one() == 1


async def test_a_changed_deadline_is_a_new_version(client, headers):
    await _put(client, headers)
    changed = await _put(client, headers, deadline=(DEADLINE + dt.timedelta(days=1)).isoformat())
    versions = await client.get("/v1/audit-events?entity=backfill_campaign",
                                headers=headers("auditor"))
    assert changed.json()["version"] == 2
    assert len(versions.json()["items"]) == 2


@pytest.mark.parametrize("role", ["province_operator", "auditor", "gateway"])
async def test_only_hq_admin_sets_campaigns(client, headers, role):
    assert (await _put(client, headers, role=role)).status_code == 403


async def test_campaign_routes_need_a_token(client):
    assert (await client.get("/v1/backfill/campaigns")).status_code == 401
    response = await client.put("/v1/backfill/campaigns/44",
                                json={"deadline": DEADLINE.isoformat()})
    assert response.status_code == 401


@pytest.mark.parametrize(("province", "body"), [
    ("99", {}),
    ("44", {"template_enforcement_from": (DEADLINE + dt.timedelta(hours=1)).isoformat()}),
    ("44", {"deadline": "soon"}),
    ("44", {"extra": 1}),
])
async def test_bad_campaigns_are_422(client, headers, province, body):
    response = await _put(client, headers, province=province, **body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_province_operator_sees_only_its_own_campaign(client, headers):
    await _put(client, headers, province="44")
    await _put(client, headers, province="11")
    hq = await client.get("/v1/backfill/campaigns", headers=headers("auditor"))
    own = await client.get("/v1/backfill/campaigns",
                           headers=headers("province_operator", province="11"))
    assert [c["province"] for c in hq.json()["items"]] == ["11", "44"]
    assert [c["province"] for c in own.json()["items"]] == ["11"]


async def test_live_stock_keeps_sending_until_the_deadline(
        live_stock, client, headers, app, db_session, monkeypatch):
    await _put(client, headers)
    _freeze(monkeypatch, DEADLINE - dt.timedelta(seconds=1))
    assert await _sweep(app) == {}
    assert set((await _statuses(db_session)).values()) == {"active"}


async def test_the_sweep_suspends_exactly_the_incomplete_unprotected_ones(
        live_stock, whitelist, client, headers, app, db_session, monkeypatch):
    whitelist.whitelisted.add("1069012303")
    await _put(client, headers)
    _freeze(monkeypatch, DEADLINE + dt.timedelta(seconds=30))
    done = await _sweep(app)
    assert done["44"].suspended == ["1069012302", "1069012305"]
    assert done["44"].exempted == ["1069012303", "1069012304"]
    assert {n: s for n, s in (await _statuses(db_session)).items() if s != "active"} == {
        "1069012302": "suspended", "1069012305": "suspended"}


async def test_each_suspension_is_versioned_transitioned_and_audited(
        live_stock, client, headers, app, monkeypatch):
    await _put(client, headers)
    _freeze(monkeypatch, DEADLINE + dt.timedelta(seconds=30))
    await _sweep(app)
    sub = (await client.get("/v1/sub-ports/1069012302", headers=headers("hq_admin"))).json()
    steps = (await client.get("/v1/sub-ports/1069012302/transitions",
                              headers=headers("hq_admin"))).json()
    versions = (await client.get("/v1/sub-ports/1069012302/versions",
                                 headers=headers("hq_admin"))).json()
    audits = (await client.get("/v1/audit-events?entity_id=1069012302",
                               headers=headers("auditor"))).json()["items"]
    summary = (await client.get("/v1/audit-events?action=backfill.enforced",
                                headers=headers("auditor"))).json()["items"]
    chain = (await client.get("/v1/audit-events/verify", headers=headers("auditor"))).json()
    assert (sub["status"], sub["status_reason"], sub["version"]) == (
        "suspended", "backfill_deadline", 2)
    assert steps[-1]["reason"] == "backfill_deadline"
    assert [(v["version"], v["snapshot"]["status"]) for v in versions] == [
        (1, "active"), (2, "suspended")]
    assert versions[0]["snapshot"] == {**versions[1]["snapshot"], "status": "active",
                                       "status_reason": "imported_live"}
    assert versions[0]["snapshot"]["whitelisted"] is False
    assert versions[0]["actor"] not in ("unknown", "backfill-sweeper")  # the importer
    assert [a["action"] for a in audits] == ["sub_port.suspended"]
    assert [(s["actor"], s["data"]["suspended"]) for s in summary] == [("backfill-sweeper", 3)]
    assert chain["ok"] is True


async def test_the_sweep_runs_once_per_deadline_and_a_new_deadline_re_arms_it(
        live_stock, client, headers, app, monkeypatch):
    await _put(client, headers)
    _freeze(monkeypatch, DEADLINE + dt.timedelta(seconds=30))
    assert "44" in await _sweep(app)
    assert await _sweep(app) == {}
    later = DEADLINE + dt.timedelta(days=1)
    await _put(client, headers, deadline=later.isoformat())
    assert await _sweep(app) == {}
    _freeze(monkeypatch, later + dt.timedelta(seconds=1))
    assert "44" in await _sweep(app)


async def test_whitelist_down_suspends_nothing_and_the_next_tick_does(
        live_stock, whitelist, client, headers, app, db_session, monkeypatch):
    await _put(client, headers)
    _freeze(monkeypatch, DEADLINE + dt.timedelta(seconds=30))
    whitelist.down = True
    assert await _sweep(app) == {}
    assert set((await _statuses(db_session)).values()) == {"active"}
    swept = (await db_session.get(BackfillCampaign, "44", populate_existing=True))
    assert swept is not None and swept.swept_deadline is None
    whitelist.down = False
    assert (await _sweep(app))["44"].suspended == [
        "1069012302", "1069012303", "1069012305"]


async def test_only_the_province_whose_deadline_passed_is_swept(
        live_stock, client, headers, app, db_session, monkeypatch):
    await _put(client, headers, province="11", deadline=(DEADLINE + dt.timedelta(days=9)
                                                         ).isoformat())
    await _put(client, headers)
    _freeze(monkeypatch, DEADLINE + dt.timedelta(seconds=30))
    assert list(await _sweep(app)) == ["44"]
    assert (await _statuses(db_session))["1069055501"] == "active"


async def test_a_completed_overdue_sub_port_resumes_with_one_call(
        live_stock, reg, client, headers, app, monkeypatch):
    await _put(client, headers)
    _freeze(monkeypatch, DEADLINE + dt.timedelta(seconds=30))
    await _sweep(app)
    handler = await reg.handler(await reg.org(roles=["user_unit"]))
    sub = (await client.get("/v1/sub-ports/1069012302", headers=headers("hq_admin"))).json()
    patched = await client.patch("/v1/sub-ports/1069012302",
                                 json={"handler_id": handler["id"], "machine_room": "A3"},
                                 headers={**reg.hq, "If-Match": f'W/"{sub["version"]}"'})
    assert patched.json()["backfill"] == {"state": "complete", "missing": []}
    resumed = await client.post("/v1/sub-ports/1069012302/resume",
                                json={"reason": "补登记完成"}, headers=reg.hq)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "active"


async def test_manual_enforcement_runs_the_same_sweep(live_stock, client, headers):
    response = await client.post("/v1/backfill/enforcement", headers=headers("hq_admin"),
                                 json={"province": "44", "deadline": utcnow().isoformat()})
    assert response.json()["suspended"] == ["1069012302", "1069012303", "1069012305"]
    summary = (await client.get("/v1/audit-events?action=backfill.enforced",
                                headers=headers("auditor"))).json()["items"]
    assert len(summary) == 1
