"""Live rows of the installed base (issue 8, item 1): `status: active` in the import."""

import datetime as dt

from sqlalchemy import select

from porttrust_shared.db import utcnow
from registry.models import AuditEvent, BackfillCampaign

NUMBER = "106901234567"


async def _row(reg, number=NUMBER, **fields):
    """A live row of a sub-port whose record lacks its machine room and handler (its user
    unit signed with the port's holder)."""
    unit = await reg.signed_unit("44", number)
    return {"number": number, "province": "44", "user_unit_uscc": unit["uscc"],
            "business_type": "notification", "purpose": "订单发货通知",
            "equipment": "SMSC-GZ-07", "status": "active", **fields}


async def _get(client, headers, number=NUMBER):
    response = await client.get(f"/v1/sub-ports/{number}", headers=headers("hq_admin"))
    assert response.status_code == 200, response.text
    return response.json()


async def _campaign(db_session, deadline, province="44"):
    db_session.add(BackfillCampaign(province=province, deadline=deadline, updated_by="test"))
    await db_session.flush()


async def test_incomplete_live_row_is_imported_active_and_pending(reg, client, headers):
    await reg.port()
    result = await reg.import_rows([await _row(reg)])
    assert result["counts"]["created"] == 1
    assert result["results"][0]["backfill"] == {
        "state": "pending", "missing": ["handler", "machine_room"]}
    sub = await _get(client, headers)
    assert (sub["status"], sub["status_reason"]) == ("active", "imported_live")
    assert sub["backfill"] == {"state": "pending", "missing": ["handler", "machine_room"]}


async def test_rows_stay_registered_by_default(reg, client, headers):
    await reg.port()
    row = await _row(reg)
    del row["status"]
    result = await reg.import_rows([row])
    assert result["results"][0]["backfill"] is None
    assert (await _get(client, headers))["status"] == "registered"


async def test_a_status_other_than_registered_or_active_is_a_row_error(reg):
    await reg.port()
    result = await reg.import_rows([await _row(reg, status="suspended")])
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("invalid_value", "status")]


async def test_import_records_the_transition_and_names_live_rows_in_its_audit(
        reg, client, headers, db_session):
    await reg.port()
    await reg.import_rows([await _row(reg)])
    steps = (await client.get(f"/v1/sub-ports/{NUMBER}/transitions",
                              headers=headers("hq_admin"))).json()
    assert [(s["from_status"], s["to_status"], s["reason"]) for s in steps] == [
        ("registered", "active", "imported_live")]
    entry = (await db_session.execute(select(AuditEvent).where(
        AuditEvent.action == "sub_port.imported"))).scalars().one()
    assert entry.data["live"] == [NUMBER]


async def test_a_registered_sub_port_goes_live_when_a_row_says_so(reg, client, headers):
    await reg.port()
    row = await _row(reg)
    await reg.sub_port(NUMBER, user_unit_uscc=row["user_unit_uscc"])
    result = await reg.import_rows([row])
    assert result["counts"]["updated"] == 1
    sub = await _get(client, headers)
    assert (sub["status"], sub["version"]) == ("active", 2)


async def test_blacklisted_user_unit_is_refused_even_for_a_live_row(reg, credit):
    await reg.port()
    row = await _row(reg)
    credit.blacklisted.add(("user_unit", row["user_unit_uscc"]))
    result = await reg.import_rows([row])
    assert [e["code"] for e in result["errors"]] == ["blacklisted"]


async def test_incomplete_live_row_after_the_deadline_is_refused(reg, db_session):
    await reg.port()
    await _campaign(db_session, utcnow() - dt.timedelta(hours=1))
    result = await reg.import_rows([await _row(reg)])
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("deadline_passed", "status")]


async def test_live_sub_port_is_completed_step_by_step_by_re_import(reg, client, headers):
    await reg.port()
    row = await _row(reg)
    await reg.import_rows([row])
    result = await reg.import_rows([{**row, "machine_room": "广州南方基地A3"}])
    assert result["counts"]["updated"] == 1
    assert result["results"][0]["backfill"]["missing"] == ["handler"]
    sub = await _get(client, headers)
    assert (sub["status"], sub["missing"]) == ("active", ["handler"])


async def test_live_sub_port_is_completed_step_by_step_by_patch(reg, client, headers):
    await reg.port()
    await reg.import_rows([await _row(reg)])
    handler = await reg.handler(await reg.org(roles=["user_unit"]), verified=False)
    sub = await _get(client, headers)
    response = await client.patch(f"/v1/sub-ports/{NUMBER}",
                                  json={"handler_id": handler["id"]},
                                  headers={**reg.hq, "If-Match": f'W/"{sub["version"]}"'})
    assert response.status_code == 200, response.text
    assert response.json()["missing"] == ["handler_verified", "machine_room"]


async def test_a_change_may_not_make_a_live_sub_port_less_complete(reg, client, headers):
    await reg.port()
    unit = await reg.signed_unit("44", NUMBER)
    verified = await reg.handler(unit)
    await reg.import_rows([await _row(reg, handler_id=verified["id"])])
    unverified = await reg.handler(unit, verified=False)
    sub = await _get(client, headers)
    response = await client.patch(f"/v1/sub-ports/{NUMBER}",
                                  json={"handler_id": unverified["id"]},
                                  headers={**reg.hq, "If-Match": f'W/"{sub["version"]}"'})
    assert response.status_code == 409
    assert response.json()["missing"] == ["handler_verified"]  # what the change would lose


async def test_suspended_sub_port_is_not_resumed_by_an_import(reg, client, headers):
    await reg.port()
    row = await _row(reg)
    await reg.import_rows([row])
    await client.post(f"/v1/sub-ports/{NUMBER}/suspend", json={"reason": "核查"},
                      headers=reg.hq)
    result = await reg.import_rows([row])
    assert result["counts"]["unchanged"] == 1
    assert (await _get(client, headers))["status"] == "suspended"


async def test_csv_takes_the_status_column(reg, client, headers):
    await reg.port()
    row = {**await _row(reg), "machine_room": ""}  # a required column, left blank
    columns = list(row)
    text = ",".join(columns) + "\n" + ",".join(str(row[c]) for c in columns) + "\n"
    response = await client.post("/v1/sub-ports/import", content=text.encode(),
                                 headers={**reg.hq, "Content-Type": "text/csv"})
    assert response.json()["counts"]["created"] == 1
    assert (await _get(client, headers))["status"] == "active"


async def test_lists_and_writes_answer_backfill_too(reg, client, headers, db_session):
    await reg.port()
    await _campaign(db_session, utcnow() + dt.timedelta(days=10))
    await reg.import_rows([await _row(reg)])
    await reg.complete_sub_port("106901234568")
    listed = (await client.get("/v1/sub-ports", headers=headers("hq_admin"))).json()["items"]
    assert [s["backfill"]["state"] for s in listed] == ["pending", "complete"]


async def test_backfill_turns_overdue_when_the_deadline_passes(
        reg, client, headers, db_session, monkeypatch):
    await reg.port()
    deadline = utcnow() + dt.timedelta(days=10)
    await _campaign(db_session, deadline)
    await reg.import_rows([await _row(reg)])
    assert (await _get(client, headers))["backfill"]["state"] == "pending"
    monkeypatch.setattr("registry.api.sub_ports.utcnow",
                        lambda: deadline + dt.timedelta(seconds=1))
    assert (await _get(client, headers))["backfill"]["state"] == "overdue"
