"""Inaccurate records (核查不准确): a flagged field keeps the record incomplete until it
changes or a different person clears the flag."""

NUMBER = "106901234567"


async def flagged(reg, client, headers, sub="checker-a"):
    await reg.port()
    await reg.complete_sub_port()
    response = await client.post(f"/v1/sub-ports/{NUMBER}/inaccuracies",
                                 json={"field": "purpose", "reason": "现场核查：实际为营销"},
                                 headers=headers("auditor", sub=sub))
    assert response.status_code == 201, response.text
    return response.json()


async def missing(client, headers):
    got = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    return got.json()["missing"]


async def clear(client, headers, flag_id, sub):
    return await client.post(f"/v1/inaccuracies/{flag_id}/clear", json={"reason": "复核属实"},
                             headers=headers("province_operator", province="44", sub=sub))


async def test_flag_makes_the_record_incomplete_with_accurate_field(reg, client, headers):
    flag = await flagged(reg, client, headers)
    assert flag["state"] == "open"
    assert await missing(client, headers) == ["accurate:purpose"]
    refused = await client.post(f"/v1/sub-ports/{NUMBER}/activate", json={},
                                headers=headers("hq_admin"))
    assert refused.json()["missing"] == ["accurate:purpose"]


async def test_a_different_person_clears_the_flag(reg, client, headers):
    flag = await flagged(reg, client, headers)
    response = await clear(client, headers, flag["id"], sub="checker-b")
    assert response.status_code == 200
    assert response.json()["state"] == "cleared"
    assert response.json()["cleared_by"] == "checker-b"
    assert await missing(client, headers) == []


async def test_the_person_who_flagged_cannot_clear(reg, client, headers):
    flag = await flagged(reg, client, headers)
    response = await clear(client, headers, flag["id"], sub="checker-a")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert await missing(client, headers) == ["accurate:purpose"]


async def test_an_identity_the_flagger_created_cannot_clear(reg, client, headers):
    flag = await flagged(reg, client, headers, sub="checker-a")
    response = await client.post(f"/v1/inaccuracies/{flag['id']}/clear",
                                 json={"reason": "复核属实"},
                                 headers=headers("hq_admin", sub="c-proxy", owner="checker-a"))
    assert response.status_code == 403
    assert response.json()["code"] == "same_person"


async def test_the_creator_of_the_flagging_identity_cannot_clear(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    made = await client.post(f"/v1/sub-ports/{NUMBER}/inaccuracies",
                             json={"field": "purpose", "reason": "现场核查"},
                             headers=headers("auditor", sub="c-made", owner="checker-a"))
    response = await clear(client, headers, made.json()["id"], sub="checker-a")
    assert response.status_code == 403
    assert await missing(client, headers) == ["accurate:purpose"]


async def test_clearing_twice_is_409(reg, client, headers):
    flag = await flagged(reg, client, headers)
    await clear(client, headers, flag["id"], sub="checker-b")
    assert (await clear(client, headers, flag["id"], sub="checker-c")).status_code == 409


async def test_changing_the_flagged_field_ends_the_flag(reg, client, headers):
    await flagged(reg, client, headers)
    current = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    patched = await client.patch(f"/v1/sub-ports/{NUMBER}", json={"purpose": "营销推广短信"},
                                 headers={**headers("hq_admin"),
                                          "If-Match": current.headers["ETag"]})
    assert patched.json()["missing"] == []
    listed = await client.get(f"/v1/sub-ports/{NUMBER}/inaccuracies",
                              headers=headers("auditor"))
    assert [f["state"] for f in listed.json()] == ["corrected"]


async def test_changing_another_field_keeps_the_flag(reg, client, headers):
    await flagged(reg, client, headers)
    current = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    patched = await client.patch(f"/v1/sub-ports/{NUMBER}", json={"equipment": "SMSC-GZ-08"},
                                 headers={**headers("hq_admin"),
                                          "If-Match": current.headers["ETag"]})
    assert patched.json()["missing"] == ["accurate:purpose"]


async def test_flags_show_in_the_backfill_queue_and_report(reg, client, headers):
    await flagged(reg, client, headers)
    queue = await client.get("/v1/backfill/queue", params={"province": "44"},
                             headers=headers("hq_admin"))
    assert [i["missing"] for i in queue.json()["items"]] == [["accurate:purpose"]]
    report = await client.get("/v1/backfill/report", headers=headers("hq_admin"))
    assert report.json()["provinces"][0]["missing"] == {"accurate:purpose": 1}


async def test_flagging_and_clearing_are_audited(reg, client, headers):
    flag = await flagged(reg, client, headers)
    await clear(client, headers, flag["id"], sub="checker-b")
    events = await client.get("/v1/audit-events", params={"entity_id": NUMBER},
                              headers=headers("auditor"))
    actions = [e["action"] for e in events.json()["items"]]
    assert actions[-2:] == ["sub_port.inaccuracy_flagged", "sub_port.inaccuracy_cleared"]


async def test_a_blank_field_cannot_be_flagged(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    response = await client.post(f"/v1/sub-ports/{NUMBER}/inaccuracies",
                                 json={"field": "purpose", "reason": "x"},
                                 headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_another_province_cannot_flag_or_clear(reg, client, headers):
    flag = await flagged(reg, client, headers)
    h = headers("province_operator", province="11", sub="other")
    posted = await client.post(f"/v1/sub-ports/{NUMBER}/inaccuracies",
                               json={"field": "purpose", "reason": "x"}, headers=h)
    cleared = await client.post(f"/v1/inaccuracies/{flag['id']}/clear", json={"reason": "x"},
                                headers=h)
    assert (posted.status_code, cleared.status_code) == (404, 404)


async def test_a_gateway_cannot_flag(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    response = await client.post(f"/v1/sub-ports/{NUMBER}/inaccuracies",
                                 json={"field": "purpose", "reason": "x"},
                                 headers=headers("gateway"))
    assert response.status_code == 403


async def test_an_import_that_changes_the_flagged_field_ends_the_flag(reg, client, headers):
    await flagged(reg, client, headers)
    sub = (await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))).json()
    row = {**{k: sub[k] for k in ("number", "province", "user_unit_uscc", "handler_id",
                                  "business_type", "machine_room", "equipment")},
           "purpose": "营销推广短信"}
    body = ",".join(row) + "\n" + ",".join(row.values()) + "\n"
    response = await client.post("/v1/sub-ports/import", content=body.encode(),
                                 headers={**headers("hq_admin"), "Content-Type": "text/csv"})
    assert response.json()["counts"]["updated"] == 1
    assert await missing(client, headers) == []
