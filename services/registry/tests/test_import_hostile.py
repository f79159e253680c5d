"""Hostile files: deep NDJSON, NUL characters, formulas for the spreadsheet HQ opens."""

import csv
import io
import json

import pytest

from registry.service.imports.parsing import MAX_NESTING, neutralised, unneutralised

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
async def world(reg):
    """A complete sub-port already registered: its unit, handler and texts make good rows."""
    await reg.port()
    return await reg.complete_sub_port("106901239999")


def good(world, number, **kw):
    fields = ("province", "user_unit_uscc", "handler_id", "business_type", "purpose",
              "machine_room", "equipment")
    return {**{name: world[name] for name in fields}, "number": number, **kw}


async def imported(client, headers, lines, content_type=NDJSON):
    response = await client.post("/v1/sub-ports/import", content="\n".join(lines).encode(),
                                 headers={**headers("hq_admin"), **content_type})
    assert response.status_code == 200, response.text
    return response.json()


async def registered(client, headers, body):
    response = await client.post("/v1/sub-ports", json=body, headers=headers("hq_admin"))
    assert response.status_code == 201, response.text


def codes(body):
    return sorted((e["row"], e["code"]) for e in body["errors"])


async def test_a_line_nested_1000_deep_is_a_row_error(client, headers, world):
    deep = '{"number": ' + "[" * 1000 + "]" * 1000 + "}"
    body = await imported(client, headers, [deep, json.dumps(good(world, "106901230001"))])
    assert codes(body) == [(1, "nested_too_deep")]
    assert body["counts"]["created"] == 1


async def test_brackets_inside_strings_are_not_nesting(client, headers, world):
    purpose = "[" * (MAX_NESTING + 5) + "通知"
    body = await imported(client, headers, [json.dumps(good(world, "106901230001",
                                                           purpose=purpose))])
    assert body["counts"]["created"] == 1


async def test_a_nul_in_an_ndjson_value_is_a_row_error(client, headers, world):
    line = json.dumps(good(world, "106901230001", purpose="订单\u0000通知"))
    body = await imported(client, headers, [line])
    assert codes(body) == [(1, "nul_character")]


async def test_a_nul_in_a_json_field_of_a_route_is_422(client, headers, world):
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"),
                                 json=good(world, "106901230001", purpose="a\u0000b"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "nul_character"


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
async def test_an_exported_formula_cell_is_neutralised(client, headers, world, start):
    await registered(client, headers, good(world, "106901230001",
                                           purpose=start + 'HYPERLINK("x")'))
    exported = await client.get("/v1/sub-ports/export", headers=headers("hq_admin"))
    [row] = [r for r in csv.DictReader(io.StringIO(exported.text))
             if r["number"] == "106901230001"]
    assert row["purpose"] == "'" + start + 'HYPERLINK("x")'


async def test_an_export_with_neutralised_cells_imports_back_unchanged(client, headers,
                                                                      world):
    await registered(client, headers, good(world, "106901230001", purpose="=1+1 通知"))
    exported = await client.get("/v1/sub-ports/export", headers=headers("hq_admin"))
    response = await client.post("/v1/sub-ports/import", content=exported.content,
                                 headers={**headers("hq_admin"), "Content-Type": "text/csv"})
    assert response.json()["counts"]["unchanged"] == 2


@pytest.mark.parametrize("start", ["\t", "\r"])
def test_a_cell_starting_with_tab_or_cr_is_neutralised(start):
    assert neutralised(start + "=1") == "'" + start + "=1"
    assert unneutralised(neutralised(start + "=1")) == start + "=1"
