import datetime as dt


async def test_province_operator_applies_for_own_province_without_naming_it(
        wl, client, headers, registry):
    registry.provinces["106901234567"] = "35"
    body = wl.body()
    del body["province"]
    response = await client.post("/v1/applications", json=body,
                                 headers=headers("province_operator", province="35"))
    assert response.status_code == 201
    assert response.json()["province"] == "35"
    assert response.json()["status"] == "pending"


async def test_province_operator_cannot_apply_for_another_province(wl, client, headers):
    response = await client.post("/v1/applications", json=wl.body(province="44"),
                                 headers=headers("province_operator", province="35"))
    assert response.status_code == 403


async def test_hq_caller_applies_in_the_numbers_province_without_naming_it(
        wl, client, headers, registry):
    registry.provinces["106901234567"] = "11"
    body = wl.body()
    del body["province"]
    response = await client.post("/v1/applications", json=body, headers=headers("hq_admin"))
    assert response.status_code == 201, response.text
    assert response.json()["province"] == "11"


async def test_unknown_province_code_is_422(wl, client, headers):
    response = await client.post("/v1/applications", json=wl.body(province="99"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_gateway_cannot_apply(wl, client, headers):
    response = await client.post("/v1/applications", json=wl.body(), headers=headers("gateway"))
    assert response.status_code == 403


async def test_expires_at_in_the_past_is_422(wl, client, headers):
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    response = await client.post("/v1/applications", json=wl.body(expires_at=past),
                                 headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_expires_at_past_the_year_9999_in_utc_is_422(wl, client, headers):
    response = await client.post("/v1/applications",
                                 json=wl.body(expires_at="9999-12-31T23:59:59-23:59"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_future_expires_at_is_kept(wl):
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    application = await wl.apply(expires_at=future.isoformat())
    assert dt.datetime.fromisoformat(application["expires_at"]) == future


async def test_unknown_category_is_422(wl, client, headers):
    response = await client.post("/v1/applications", json=wl.body(category="marketing"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_malformed_number_is_422(wl, client, headers):
    response = await client.post("/v1/applications", json=wl.body(number="95555"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_unknown_field_is_rejected_without_echoing_it(wl, client, headers):
    response = await client.post("/v1/applications",
                                 json=wl.body(id_number="11010519491231002X"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 422
    assert "11010519491231002X" not in response.text


async def test_second_application_for_a_whitelisted_number_is_conflict(wl, client, headers):
    await wl.grant("106901234567")
    response = await client.post("/v1/applications", json=wl.body("106901234567"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 409
    assert response.json()["type"].endswith("/already-whitelisted")


async def test_application_for_a_sub_port_of_a_whitelisted_port_is_conflict(wl, client, headers):
    await wl.grant("10690123")
    response = await client.post("/v1/applications", json=wl.body("106901234567"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 409


async def test_second_pending_application_for_a_number_is_conflict(wl, client, headers):
    await wl.apply("106901234567")
    response = await client.post("/v1/applications", json=wl.body("106901234567"),
                                 headers=headers("hq_admin"))
    assert response.status_code == 409
    assert response.json()["type"].endswith("/duplicate-application")


async def test_phone_and_id_number_in_justification_are_masked(wl):
    application = await wl.apply(
        justification="Contact 13812345678, officer 11010519491231002X, port 106901234567")
    assert application["justification"] == (
        "Contact 138****5678, officer 110105********002X, port 106901234567")


async def test_list_filters_by_status(wl, client, headers):
    await wl.grant("106901230001")
    await wl.apply("106901230002")
    response = await client.get("/v1/applications", params={"status": "pending"},
                                headers=headers("hq_admin"))
    assert [a["number"] for a in response.json()["items"]] == ["106901230002"]


async def test_list_pages_with_a_cursor(wl, client, headers):
    for n in range(3):
        await wl.apply(f"10690123000{n}")
    first = await client.get("/v1/applications", params={"limit": 2},
                             headers=headers("hq_admin"))
    second = await client.get("/v1/applications",
                              params={"limit": 2, "cursor": first.json()["next_cursor"]},
                              headers=headers("hq_admin"))
    numbers = [a["number"] for a in first.json()["items"] + second.json()["items"]]
    assert numbers == ["106901230000", "106901230001", "106901230002"]
    assert second.json()["next_cursor"] is None


async def test_garbage_cursor_is_a_problem_not_500(client, headers):
    response = await client.get("/v1/applications", params={"cursor": "!!!"},
                                headers=headers("hq_admin"))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_list_filters_by_category(wl, client, headers):
    await wl.apply("106901230001", category="life_safety")
    await wl.apply("106901230002", category="emergency_rescue")
    response = await client.get("/v1/applications", params={"category": "emergency_rescue"},
                                headers=headers("hq_admin"))
    assert [a["number"] for a in response.json()["items"]] == ["106901230002"]


async def test_phones_in_any_spelling_are_masked_in_the_justification(wl):
    application = await wl.apply(justification="值班电话 +86 139 6769 2564 / 139-6769-2564")
    assert application["justification"] == "值班电话 139****2564 / 139****2564"
