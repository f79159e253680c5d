"""GET /v1/sub-ports/export: the import's CSV, person data masked, importable again."""

import csv
import io

import pytest


@pytest.fixture
async def sub(reg):
    await reg.port()
    return await reg.complete_sub_port()


def rows_of(response):
    return list(csv.DictReader(io.StringIO(response.text)))


async def export(client, headers, role="hq_admin", province="HQ", **params):
    return await client.get("/v1/sub-ports/export", params=params,
                            headers=headers(role, province=province))


async def test_export_is_csv_with_the_import_columns(client, headers, sub):
    response = await export(client, headers)
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0].startswith("number,province,user_unit_uscc")


async def test_export_carries_the_sub_port_fields(client, headers, sub):
    [row] = rows_of(await export(client, headers))
    assert (row["number"], row["handler_id"], row["purpose"]) == (
        sub["number"], sub["handler_id"], sub["purpose"])


async def test_export_masks_every_person_field(client, headers, sub):
    handler = (await client.get(f"/v1/handlers/{sub['handler_id']}",
                                headers=headers("hq_admin"))).json()
    [row] = rows_of(await export(client, headers))
    assert (row["handler_name"], row["handler_id_number"], row["handler_phone"]) == (
        handler["name"], handler["id_number"], handler["phone"])
    assert "*" in row["handler_id_number"] and "*" in row["handler_phone"]


async def test_export_then_import_changes_nothing(client, headers, sub, reg):
    await reg.sub_port("106901239999")
    exported = await export(client, headers)
    response = await client.post("/v1/sub-ports/import", content=exported.content,
                                 headers={**headers("hq_admin"), "Content-Type": "text/csv"})
    assert response.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 2,
                                         "failed": 0}


async def test_export_of_another_province_is_empty(client, headers, sub):
    response = await export(client, headers, role="province_operator", province="11")
    assert rows_of(response) == []


async def test_export_leaves_out_cancelled_sub_ports(client, headers, sub):
    await client.post(f"/v1/sub-ports/{sub['number']}/cancel", json={"reason": "停用"},
                      headers=headers("hq_admin"))
    assert rows_of(await export(client, headers)) == []


async def test_export_needs_a_token(client, sub):
    assert (await client.get("/v1/sub-ports/export")).status_code == 401
