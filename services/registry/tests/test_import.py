"""POST /v1/sub-ports/import: every row checked, the good ones imported, none lost twice."""

import csv
import io
import json
import logging

import pytest
from sqlalchemy import select

from porttrust_dev import testdata
from registry.models import Handler, WhitelistEntry

HEADER = ["number", "province", "user_unit_uscc", "handler_id", "business_type", "purpose",
          "machine_room", "equipment"]
CSV = {"Content-Type": "text/csv"}


def make_id_number(n):
    return testdata.id_number(n, region="440106", born="19850101")


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[row.get(name, "") for name in header] for row in rows])
    return out.getvalue().encode(encoding)


@pytest.fixture
async def world(reg):
    await reg.port()
    unit = await reg.signed_unit("44", "10690123")
    handler = await reg.handler(unit)
    return {"unit": unit["uscc"], "handler": handler["id"]}


def good(world, number, **kw):
    return {"number": number, "province": "44", "user_unit_uscc": world["unit"],
            "handler_id": world["handler"], "business_type": "notification",
            "purpose": "订单发货通知", "machine_room": "广州南方基地A3", "equipment": "SMSC-GZ-07",
            **kw}


async def post(client, headers, body, content_type=CSV, role="hq_admin", province="HQ",
               params=None):
    return await client.post("/v1/sub-ports/import", content=body, params=params,
                             headers={**headers(role, province=province), **content_type})


def codes(body):
    return sorted((e["row"], e["code"]) for e in body["errors"])


async def test_good_rows_are_created_and_readable(client, headers, world):
    response = await post(client, headers, csv_bytes([good(world, "106901230001"),
                                                      good(world, "106901230002")]))
    assert response.status_code == 200
    assert response.json()["counts"] == {"created": 2, "updated": 0, "unchanged": 0,
                                         "failed": 0}
    sub = await client.get("/v1/sub-ports/106901230002", headers=headers("hq_admin"))
    assert sub.json()["missing"] == []


async def test_each_bad_row_is_reported_and_no_good_row_is_lost(client, headers, world):
    rows = [good(world, "106901230001"),
            good(world, "106901230002", user_unit_uscc="91440300MA5XXXXXX!"),
            good(world, "106901230003"),
            good(world, "106991230004"),
            good(world, "106901230001"),
            good(world, "106901230005")]
    body = (await post(client, headers, csv_bytes(rows))).json()
    assert codes(body) == [(3, "bad_uscc"), (5, "unknown_port"), (6, "duplicate_number")]
    assert body["counts"]["created"] == 3
    for number in ("106901230001", "106901230003", "106901230005"):
        got = await client.get(f"/v1/sub-ports/{number}", headers=headers("hq_admin"))
        assert got.status_code == 200


async def test_bad_id_number_of_an_imported_handler_is_a_row_error(client, headers, world):
    header = [*HEADER, "handler_name", "handler_id_number", "handler_phone"]
    bad_id = make_id_number(77)[:-1] + ("0" if make_id_number(77)[-1] != "0" else "1")
    rows = [good(world, "106901230001", handler_id="", handler_name="李四",
                 handler_id_number=bad_id, handler_phone="13800000077"),
            good(world, "106901230002")]
    body = (await post(client, headers, csv_bytes(rows, header))).json()
    assert codes(body) == [(2, "bad_id_number")]
    assert body["counts"]["created"] == 1


async def test_row_errors_never_repeat_the_rejected_value(client, headers, world):
    header = [*HEADER, "handler_name", "handler_id_number", "handler_phone"]
    bad_id = make_id_number(78)[:-1] + ("0" if make_id_number(78)[-1] != "0" else "1")
    rows = [good(world, "106901230001", handler_id="", handler_name="李四",
                 handler_id_number=bad_id, handler_phone="13800000078")]
    response = await post(client, headers, csv_bytes(rows, header))
    assert bad_id not in response.text and bad_id[:-4] not in response.text


async def test_missing_columns_are_one_file_error_listing_them(client, headers, world):
    header = [name for name in HEADER if name not in ("purpose", "equipment")]
    response = await post(client, headers, csv_bytes([good(world, "106901230001")], header))
    assert response.status_code == 422
    assert response.json()["missing"] == ["purpose", "equipment"]


async def test_a_file_in_neither_utf8_nor_gbk_is_a_clear_422(client, headers, world):
    body = csv_bytes([good(world, "106901230001")]).decode().encode("utf-16")
    response = await post(client, headers, body)
    assert response.status_code == 422
    assert response.json()["code"] == "bad_encoding"
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_undecodable_line_is_a_row_error_and_the_others_import(client, headers, world):
    lines = csv_bytes([good(world, "106901230001"), good(world, "106901230002")]).split(b"\n")
    lines[1] = lines[1].replace("订单".encode(), b"\xff\xfe")
    body = (await post(client, headers, b"\n".join(lines))).json()
    assert codes(body) == [(2, "bad_encoding")]
    assert body["counts"]["created"] == 1


async def test_a_gbk_file_imports_with_its_chinese_text(client, headers, world):
    body = csv_bytes([good(world, "106901230001")], encoding="gbk")
    response = await post(client, headers, body)
    assert response.json()["encoding"] == "gb18030"
    sub = await client.get("/v1/sub-ports/106901230001", headers=headers("hq_admin"))
    assert sub.json()["purpose"] == "订单发货通知"


async def test_ndjson_imports_by_content_type(client, headers, world):
    body = "\n".join(json.dumps(good(world, f"10690123000{n}")) for n in (1, 2)).encode()
    response = await post(client, headers, body, {"Content-Type": "application/x-ndjson"})
    assert response.json()["counts"]["created"] == 2


async def test_ndjson_imports_by_format_parameter(client, headers, world):
    body = json.dumps(good(world, "106901230001")).encode()
    response = await post(client, headers, body, {"Content-Type": "application/octet-stream"},
                          params={"format": "ndjson"})
    assert response.json()["counts"]["created"] == 1


async def test_ndjson_unknown_field_is_a_row_error(client, headers, world):
    body = json.dumps({**good(world, "106901230001"), "colour": "red"}).encode()
    response = await post(client, headers, body, {"Content-Type": "application/x-ndjson"})
    assert codes(response.json()) == [(1, "unknown_field")]


async def test_unknown_content_type_is_415(client, headers, world):
    response = await post(client, headers, b"x", {"Content-Type": "application/pdf"})
    assert response.status_code == 415


async def test_rerunning_a_file_creates_no_duplicates(client, headers, world):
    body = csv_bytes([good(world, "106901230001"), good(world, "106901230002")])
    await post(client, headers, body)
    again = (await post(client, headers, body)).json()
    listed = await client.get("/v1/sub-ports", headers=headers("hq_admin"))
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "failed": 0}
    assert len(listed.json()["items"]) == 2


async def test_a_changed_row_updates_with_a_new_version(client, headers, world):
    await post(client, headers, csv_bytes([good(world, "106901230001")]))
    body = (await post(client, headers, csv_bytes([
        good(world, "106901230001", purpose="会员积分提醒")]))).json()
    versions = await client.get("/v1/sub-ports/106901230001/versions",
                                headers=headers("hq_admin"))
    assert body["counts"]["updated"] == 1
    assert [v["changed"] for v in versions.json()][-1] == ["purpose"]


async def test_imported_sub_port_is_traceable(client, headers, world):
    await post(client, headers, csv_bytes([good(world, "106901230001")]))
    trace = (await client.get("/v1/trace/106901230001", headers=headers("hq_admin"))).json()
    assert trace["user_unit"]["uscc"] == world["unit"]
    assert trace["handler"]["id"] == world["handler"]


async def test_an_imported_sub_ports_first_version_holds_its_whole_state(client, headers,
                                                                           world):
    row = good(world, "106901230001", monthly_volume="1200", value_contribution="0",
               customer_importance="7")
    header = [*HEADER, "monthly_volume", "value_contribution", "customer_importance"]
    await post(client, headers, csv_bytes([row], header=header))
    versions = (await client.get("/v1/sub-ports/106901230001/versions",
                                 headers=headers("hq_admin"))).json()
    assert versions[0]["version"] == 1
    assert versions[0]["snapshot"] == {
        "number": "106901230001", "port_number": "10690123", "province": "44",
        "status": "registered", "status_reason": None, "whitelisted": False,
        "user_unit_uscc": world["unit"], "handler_id": world["handler"],
        "business_type": "notification", "purpose": "订单发货通知",
        "machine_room": "广州南方基地A3", "equipment": "SMSC-GZ-07", "monthly_volume": 1200,
        "value_contribution": 0, "customer_importance": 7}


async def test_a_count_past_a_64_bit_integer_is_a_row_error(client, headers, world):
    header = [*HEADER, "monthly_volume", "value_contribution"]
    rows = [good(world, "106901230001", monthly_volume=str(2**63)),
            good(world, "106901230002", value_contribution="9" * 30),
            good(world, "106901230003", monthly_volume=str(2**63 - 1))]
    body = (await post(client, headers, csv_bytes(rows, header=header))).json()
    assert codes(body) == [(2, "invalid_value"), (3, "invalid_value")]
    assert body["counts"]["created"] == 1


async def test_province_operator_imports_only_its_province(client, headers, world, reg):
    await reg.port("10690456", province="11")
    rows = [good(world, "106901230001"),
            good(world, "106904560001", province="11", handler_id="")]
    body = (await post(client, headers, csv_bytes(rows), role="province_operator",
                       province="44")).json()
    assert codes(body) == [(3, "other_province")]
    assert body["counts"]["created"] == 1


async def test_auditor_cannot_import(client, headers, world):
    response = await post(client, headers, csv_bytes([good(world, "106901230001")]),
                          role="auditor")
    assert response.status_code == 403


async def test_people_are_imported_with_their_sub_ports(client, headers, world, reg):
    header = [*HEADER, "user_unit_name", "handler_name", "handler_id_number", "handler_phone"]
    uscc, id_number = reg.new_uscc(), make_id_number(555)
    rows = [good(world, f"10690123000{n}", user_unit_uscc=uscc, user_unit_name="新单位",
                 handler_id="", handler_name="王五", handler_id_number=id_number,
                 handler_phone="13900000555") for n in (1, 2)]
    body = (await post(client, headers, csv_bytes(rows, header))).json()
    subs = [(await client.get(f"/v1/sub-ports/10690123000{n}", headers=headers("hq_admin")))
            .json() for n in (1, 2)]
    handler = await client.get(f"/v1/handlers/{subs[0]['handler_id']}",
                               headers=headers("hq_admin"))
    assert body["counts"]["created"] == 2
    assert subs[0]["handler_id"] == subs[1]["handler_id"]
    assert handler.json()["id_number"] == id_number[:6] + "********" + id_number[-4:]


async def test_unknown_user_unit_without_a_name_is_a_row_error(client, headers, world, reg):
    rows = [good(world, "106901230001", user_unit_uscc=reg.new_uscc())]
    body = (await post(client, headers, csv_bytes(rows))).json()
    assert codes(body) == [(2, "unknown_user_unit")]


async def test_credit_down_fails_the_rows_that_need_screening(client, headers, world, credit):
    credit.down = True
    body = (await post(client, headers, csv_bytes([good(world, "106901230001")]))).json()
    missing = await client.get("/v1/sub-ports/106901230001", headers=headers("hq_admin"))
    assert codes(body) == [(2, "credit_unavailable")]
    assert missing.status_code == 404


async def test_blacklisted_user_unit_is_a_row_error(client, headers, world, credit):
    credit.blacklisted.add(("user_unit", world["unit"]))
    body = (await post(client, headers, csv_bytes([good(world, "106901230001")]))).json()
    assert codes(body) == [(2, "blacklisted")]


async def test_a_blacklisted_user_unit_fails_every_row_that_names_it(client, headers, world,
                                                                      credit):
    credit.blacklisted.add(("user_unit", world["unit"]))
    rows = [good(world, f"1069012300{n:02d}") for n in range(3)]
    body = (await post(client, headers, csv_bytes(rows))).json()
    assert codes(body) == [(2, "blacklisted"), (3, "blacklisted"), (4, "blacklisted")]


async def test_a_chunk_is_screened_in_one_credit_call(client, headers, world, credit):
    rows = [good(world, f"1069012300{n:02d}") for n in range(20)]
    credit.calls.clear()
    await post(client, headers, csv_bytes(rows))
    assert len(credit.calls) == 1


async def test_a_phone_in_the_number_column_is_not_repeated(client, headers, world):
    response = await post(client, headers, csv_bytes([good(world, "13812345678")]))
    assert codes(response.json()) == [(2, "bad_number")]
    assert "13812345678" not in response.text


async def test_a_csv_with_cr_line_ends_imports(client, headers, world):
    body = csv_bytes([good(world, "106901230001")]).replace(b"\n", b"\r")
    response = await post(client, headers, body)
    assert response.json()["counts"]["created"] == 1


async def test_an_empty_file_is_a_422(client, headers):
    response = await post(client, headers, b"")
    assert (response.status_code, response.json()["code"]) == (422, "empty_file")


async def test_imported_people_are_stored_encrypted(client, headers, world, reg, app,
                                                    db_session):
    header = [*HEADER, "handler_name", "handler_id_number", "handler_phone"]
    id_number = make_id_number(556)
    rows = [good(world, "106901230001", handler_id="", handler_name="王五",
                 handler_id_number=id_number, handler_phone="13900000556")]
    await post(client, headers, csv_bytes(rows, header))
    stored = (await db_session.execute(select(Handler).where(
        Handler.id_number_index == app.state.cipher.blind_index(id_number, field="id_number"))
    )).scalar_one()
    assert id_number not in stored.id_number_enc and "13900000556" not in stored.phone_enc
    assert app.state.cipher.decrypt(stored.id_number_enc, field="id_number") == id_number


async def test_import_logs_carry_no_person_data(client, headers, world, caplog):
    header = [*HEADER, "handler_name", "handler_id_number", "handler_phone"]
    id_number = make_id_number(557)
    rows = [good(world, "106901230001", handler_id="", handler_name="赵六",
                 handler_id_number=id_number, handler_phone="13900000557")]
    caplog.set_level(logging.DEBUG)
    await post(client, headers, csv_bytes(rows, header))
    assert id_number not in caplog.text and "13900000557" not in caplog.text


async def test_the_import_route_takes_files_over_the_general_body_cap(client, headers,
                                                                      settings):
    filler = "x" * (settings.max_body_bytes + 1024)
    body = ("number,province,user_unit_uscc,business_type,purpose,machine_room,equipment,"
            "colour\n" + filler + "\n").encode()
    response = await post(client, headers, body)
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_columns"


async def test_other_routes_keep_the_general_body_cap(client, headers, settings):
    body = b'{"number": "' + b"1" * (settings.max_body_bytes + 1) + b'"}'
    response = await client.post("/v1/sub-ports", content=body,
                                 headers={**headers("hq_admin"),
                                          "Content-Type": "application/json"})
    assert response.status_code == 413


async def test_rows_of_one_chunk_keep_their_own_values_and_whitelist_cover(client, headers,
                                                                           world, db_session):
    """New rows are written by shape (port, unit, handler, texts) plus per-row counts: rows
    that differ in a text, a count or whitelist cover each keep exactly their own."""
    db_session.add(WhitelistEntry(entry_id="wl-import-1", number="106901230002",
                                  category="life_safety"))
    await db_session.flush()
    header = [*HEADER, "monthly_volume", "value_contribution", "customer_importance"]
    rows = [good(world, "106901230001", monthly_volume="10"),
            good(world, "106901230002", monthly_volume="20", customer_importance="3"),
            good(world, "106901230003", purpose="会员积分提醒", value_contribution="5"),
            good(world, "106901230004", handler_id="", machine_room="北京机房B1")]
    assert (await post(client, headers, csv_bytes(rows, header=header))).status_code == 200
    got = {}
    for n in range(1, 5):
        body = (await client.get(f"/v1/sub-ports/10690123000{n}",
                                 headers=headers("hq_admin"))).json()
        got[n] = (body["whitelisted"], body["purpose"], body["machine_room"],
                  body["handler_id"], body["monthly_volume"], body["value_contribution"],
                  body["customer_importance"])
    handler = world["handler"]
    assert got == {
        1: (False, "订单发货通知", "广州南方基地A3", handler, 10, None, None),
        2: (True, "订单发货通知", "广州南方基地A3", handler, 20, None, 3),
        3: (False, "会员积分提醒", "广州南方基地A3", handler, None, 5, None),
        4: (False, "订单发货通知", "北京机房B1", None, None, None, None)}


async def test_an_inline_import_of_several_chunks_creates_every_row(client, headers, world,
                                                                    import_settings):
    """Chunks of one inline import share a transaction (and, on PostgreSQL, the staging
    table the new rows go through)."""
    import_settings(job_threshold=10, chunk_size=2)
    body = (await post(client, headers, csv_bytes(
        [good(world, f"10690123000{n}") for n in range(1, 6)]))).json()
    assert body["counts"]["created"] == 5
    for n in range(1, 6):
        got = await client.get(f"/v1/sub-ports/10690123000{n}", headers=headers("hq_admin"))
        assert got.json()["user_unit_uscc"] == world["unit"]
