"""A province names only organisations it may see: another province's company answers exactly
as a USCC nobody registered, and no answer carries its name (issue 9, item 1)."""

import csv
import io

from sqlalchemy import select

from porttrust_shared.db import utcnow
from registry.models import OutboxEvent, SubPort

NOBODY = "91440300MA5999999M"  # right shape, registered by nobody
P44 = ("province_operator",)
CLAUSES = ["no_transfer", "no_rent", "no_sublet", "no_out_of_scope", "retain_logs"]


def _problem(response):
    body = response.json()
    return response.status_code, body["type"], body["detail"]


async def _foreign(reg):
    return (await reg.org("11", name="北京某某科技有限公司", roles=["user_unit"]))["uscc"]


async def test_sub_port_naming_another_provinces_user_unit_answers_as_unknown(
        reg, client, headers):
    await reg.port()
    foreign = await _foreign(reg)
    h = headers("province_operator", province="44")
    answers = [await client.post("/v1/sub-ports", headers=h, json={
        "number": f"10690123456{n}", "province": "44", "user_unit_uscc": uscc})
        for n, uscc in enumerate((foreign, NOBODY))]
    assert _problem(answers[0]) == _problem(answers[1])
    assert answers[0].status_code == 422
    assert "北京" not in answers[0].text


async def test_patch_to_another_provinces_user_unit_answers_as_unknown(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    foreign = await _foreign(reg)
    h = {**headers("province_operator", province="44"), "If-Match": '"1"'}
    answers = [await client.patch("/v1/sub-ports/106901234567", headers=h,
                                  json={"user_unit_uscc": uscc}) for uscc in (foreign, NOBODY)]
    assert _problem(answers[0]) == _problem(answers[1])
    assert answers[0].status_code == 422


async def test_port_naming_another_provinces_holder_answers_as_unknown(reg, client, headers):
    foreign = await _foreign(reg)
    h = headers("province_operator", province="44")
    answers = [await client.post("/v1/ports", headers=h, json={
        "number": f"1069012{n}", "holder_uscc": uscc, "province": "44", "scope": "provincial"})
        for n, uscc in enumerate((foreign, NOBODY))]
    assert _problem(answers[0]) == _problem(answers[1])
    assert answers[0].status_code == 422


async def test_only_hq_registers_national_ports(reg, client, headers):
    holder = await reg.org("44", roles=["holder"])
    response = await client.post("/v1/ports", headers=headers("province_operator", province="44"),
                                 json={"number": "10690123", "holder_uscc": holder["uscc"],
                                       "province": "44", "scope": "national"})
    assert response.status_code == 403


async def test_taking_over_an_active_number_for_a_foreign_unit_accuses_nobody(
        reg, client, headers, db_session):
    await reg.port()
    await reg.complete_sub_port()
    foreign = await _foreign(reg)
    response = await client.post("/v1/sub-ports", headers=headers(*P44, province="44"), json={
        "number": "106901234567", "province": "44", "user_unit_uscc": foreign})
    events = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "credit_event.reported"))).scalars().all()
    assert response.status_code == 422
    assert events == []


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["number", "province", "user_unit_uscc", "user_unit_name", "business_type",
                     "purpose", "machine_room", "equipment"])
    writer.writerows([[*row, "notification", "通知", "广州A3", "SMSC-07"] for row in rows])
    return out.getvalue().encode()


async def test_import_rows_naming_another_provinces_unit_answer_as_unknown(
        reg, client, headers, db_session):
    await reg.port()
    foreign = await _foreign(reg)
    body = _csv([["106901230001", "44", foreign, ""], ["106901230002", "44", NOBODY, ""],
                 ["106901230003", "44", foreign, "冒名单位"]])
    response = await client.post("/v1/sub-ports/import", content=body, headers={
        **headers(*P44, province="44"), "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    errors = {e["row"]: (e["code"], e["field"], e["detail"]) for e in response.json()["errors"]}
    assert errors[2] == errors[3]  # row 1 is the header
    assert errors[2][0] == "unknown_user_unit"
    assert errors[4][0] == "uscc_registered"
    assert "北京" not in response.text
    assert (await db_session.execute(select(SubPort))).scalars().all() == []


async def test_trace_and_export_do_not_name_another_provinces_unit(
        reg, client, headers, db_session):
    await reg.port()
    await reg.sub_port(user_unit_uscc=await _foreign(reg))  # by HQ, as before the rule
    trace = await client.get("/v1/trace/106901234567", headers=headers(*P44, province="44"))
    exported = await client.get("/v1/sub-ports/export", headers=headers(*P44, province="44"))
    assert trace.status_code == 200
    assert trace.json()["user_unit"]["name"] is None
    assert "106901234567" in exported.text and "北京" not in exported.text


async def _complaint_subjects(client, headers, db_session, role, province, reporter):
    body = {"number": "106901234567", "reporter": reporter, "content": "骚扰短信",
            "received_at": utcnow().isoformat()}
    await db_session.execute(OutboxEvent.__table__.delete())
    response = await client.post("/v1/complaints", json=body,
                                 headers=headers(role, province=province))
    assert response.status_code == 201, response.text
    events = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "credit_event.reported"))).scalars().all()
    return sorted(e.payload["subject"]["kind"] for e in events)


async def test_a_provinces_complaint_does_not_reach_a_national_holder_of_another_province(
        reg, client, headers, db_session):
    holder = await reg.org("11", roles=["holder"])
    await reg.port(province="11", holder=holder, scope="national")
    await reg.complete_sub_port()  # province 44, its own user unit and handler
    from_44 = await _complaint_subjects(client, headers, db_session, "province_operator", "44",
                                        "13912345678")
    from_hq = await _complaint_subjects(client, headers, db_session, "gateway", "HQ",
                                        "13912345679")  # another reporter: not a repeat
    assert from_44 == ["handler", "user_unit"]
    assert from_hq == ["handler", "holder", "user_unit"]


async def test_a_handler_for_another_provinces_company_answers_as_unknown(reg, client, headers):
    foreign = await _foreign(reg)
    answers = [await client.post("/v1/handlers", headers=headers(*P44, province="44"), json={
        "name": "张三", "id_number": "11010519491231002X", "phone": "13812345678",
        "organization_uscc": uscc}) for uscc in (foreign, NOBODY)]
    assert _problem(answers[0]) == _problem(answers[1])
    assert answers[0].status_code == 422


async def test_an_agreement_names_a_national_holder_but_no_other_foreign_company(
        reg, client, headers):
    holder = await reg.org("11", roles=["holder"])
    await reg.port(province="11", holder=holder, scope="national")
    unit = await reg.org("44", roles=["user_unit"])
    foreign = await _foreign(reg)
    h = headers(*P44, province="44")

    async def sign(counterparty):
        return await client.post(f"/v1/organizations/{unit['uscc']}/agreements", headers=h,
                                 json={"kind": "service", "counterparty_uscc": counterparty,
                                       "signed_at": "2026-01-06T08:00:00Z",
                                       "document_ref": "contract 1", "clauses": CLAUSES})

    refused = [await sign(uscc) for uscc in (foreign, NOBODY)]
    assert (await sign(holder["uscc"])).status_code == 201
    assert _problem(refused[0]) == _problem(refused[1])
    assert refused[0].status_code == 422
