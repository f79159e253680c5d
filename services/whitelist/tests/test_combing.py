"""Whitelist combing as counts (notice §7, R9): customers from registry and uploads, decided."""

import uuid

from porttrust_dev.testdata import uscc


async def candidate(client, headers, code, province="44", public_service="government_regulatory"):
    """Registry's outbox event, as registry's relay delivers it."""
    response = await client.post("/v1/events", headers=headers("service"), json={
        "id": uuid.uuid4().hex, "source": "registry",
        "topic": "combing.candidate", "created_at": "2026-12-01T00:00:00Z",
        "payload": {"uscc": code, "province": province, "public_service": public_service}})
    assert response.status_code in (200, 202), response.text


async def upload(client, headers, body, content_type="text/csv", who=None, query=""):
    return await client.post(f"/v1/combing/customers{query}", content=body.encode(),
                             headers={**(who or headers("province_operator", province="44")),
                                      "Content-Type": content_type})


async def combing(client, headers, province="44"):
    response = await client.get("/v1/progress", headers=headers("hq_admin"))
    [row] = [p for p in response.json()["provinces"] if p["province"] == province]
    return row


async def decide(client, headers, code, decision="not_needed", who=None):
    return await client.post(f"/v1/combing/customers/{code}/decide",
                             json={"decision": decision, "note": "电话核实 13812345678"},
                             headers=who or headers("province_operator", province="44"))


async def test_registry_units_with_public_service_are_to_comb(client, headers):
    await candidate(client, headers, uscc(1))
    assert (await combing(client, headers))["combing"] == {
        "customers": 1, "combed": 0, "applied": 0, "not_needed": 0, "rate": 0.0}


async def test_a_unit_registry_withdraws_is_no_longer_counted(client, headers):
    await candidate(client, headers, uscc(1))
    await candidate(client, headers, uscc(1), public_service=None)
    assert (await combing(client, headers))["combing"]["customers"] == 0


async def test_province_uploads_csv_and_ndjson_without_duplicates(client, headers):
    await candidate(client, headers, uscc(1))
    csv = await upload(client, headers, f"uscc\n{uscc(1)}\n{uscc(2)}\nnot-a-uscc\n")
    assert csv.status_code == 200, csv.text
    assert csv.json() == {"added": 1, "already_listed": 1,
                          "errors": [{"row": 4, "code": "bad_uscc"}]}
    assert "not-a-uscc" not in csv.text
    ndjson = await upload(client, headers, f'{{"uscc": "{uscc(3)}"}}\n{{"x": 1}}\n',
                          "application/x-ndjson")
    assert ndjson.json() == {"added": 1, "already_listed": 0,
                             "errors": [{"row": 2, "code": "bad_row"}]}
    assert (await combing(client, headers))["combing"]["customers"] == 3


async def test_an_ndjson_line_nested_past_the_parsers_depth_is_a_row_error(client, headers):
    body = f'{{"uscc": "{uscc(3)}"}}\n' + "[" * 100_000 + "\n"
    response = await upload(client, headers, body, "application/x-ndjson")
    assert response.status_code == 200
    assert response.json() == {"added": 1, "already_listed": 0,
                               "errors": [{"row": 2, "code": "bad_row"}]}


async def test_csv_without_uscc_column_is_422(client, headers):
    response = await upload(client, headers, "name\nfoo\n")
    assert response.status_code == 422 and response.json()["code"] == "missing_columns"


async def test_another_provinces_customer_is_a_row_error(client, headers):
    await candidate(client, headers, uscc(1), province="11")
    response = await upload(client, headers, f"uscc\n{uscc(1)}\n")
    assert response.json()["errors"] == [{"row": 2, "code": "other_province"}]


async def test_hq_upload_names_the_province(client, headers):
    hq = headers("hq_admin")
    assert (await upload(client, headers, f"uscc\n{uscc(1)}\n", who=hq)).status_code == 422
    response = await upload(client, headers, f"uscc\n{uscc(1)}\n", who=hq, query="?province=44")
    assert response.json()["added"] == 1


async def test_a_province_cannot_upload_for_another(client, headers):
    response = await upload(client, headers, f"uscc\n{uscc(1)}\n", query="?province=11")
    assert response.status_code == 404


async def test_decisions_make_the_count_and_rate(client, headers):
    for n in (1, 2, 3, 4):
        await candidate(client, headers, uscc(n))
    await decide(client, headers, uscc(1), "applied")
    await decide(client, headers, uscc(2), "not_needed")
    assert (await combing(client, headers))["combing"] == {
        "customers": 4, "combed": 2, "applied": 1, "not_needed": 1, "rate": 0.5}


async def test_progress_keeps_its_existing_fields(client, headers):
    row = await combing(client, headers)
    assert {"applications", "entries", "combing_done", "combing_done_at",
            "combing_done_by", "combing"} <= set(row)


async def test_another_province_cannot_decide(client, headers):
    await candidate(client, headers, uscc(1))
    other = headers("province_operator", province="11")
    assert (await decide(client, headers, uscc(1), who=other)).status_code == 404


async def test_decision_is_audited_and_the_note_masked(client, headers):
    await candidate(client, headers, uscc(1))
    response = await decide(client, headers, uscc(1))
    assert "13812345678" not in response.text
    events = await client.get("/v1/audit-events", headers=headers("hq_admin"))
    assert "combing.decided" in [e["action"] for e in events.json()["items"]]


async def test_customers_are_listed_by_combed(client, headers):
    await candidate(client, headers, uscc(1))
    await candidate(client, headers, uscc(2))
    await decide(client, headers, uscc(1))
    response = await client.get("/v1/combing/customers?combed=false",
                                headers=headers("province_operator", province="44"))
    assert [c["uscc"] for c in response.json()["items"]] == [uscc(2)]


async def test_registry_service_reads_progress(client, headers):
    assert (await client.get("/v1/progress", headers=headers("service"))).status_code == 200
