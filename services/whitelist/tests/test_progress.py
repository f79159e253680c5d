from porttrust_shared.validators import PROVINCES


async def _progress(client, headers, *roles, province="HQ"):
    response = await client.get("/v1/progress", headers=headers(*roles, province=province))
    return {p["province"]: p for p in response.json()["provinces"]}


async def test_hq_sees_all_31_provinces_including_empty_ones(client, headers):
    rows = await _progress(client, headers, "hq_admin")
    assert sorted(rows) == sorted(PROVINCES)
    assert rows["54"]["applications"] == {"pending": 0, "approved": 0, "rejected": 0,
                                          "withdrawn": 0}
    assert rows["54"]["combing_done"] is False


async def test_province_operator_sees_only_own_province(client, headers):
    rows = await _progress(client, headers, "province_operator", province="44")
    assert list(rows) == ["44"]


async def test_progress_counts_applications_by_status(wl, client, headers):
    await wl.grant("106901230001", province="44")
    await wl.apply("106901230002", province="44")
    rows = await _progress(client, headers, "hq_admin")
    assert rows["44"]["applications"] == {"pending": 1, "approved": 1, "rejected": 0,
                                          "withdrawn": 0}


async def test_progress_counts_active_entries_by_category(wl, client, headers):
    await wl.grant("106901230001", province="44", category="government_regulatory")
    rows = await _progress(client, headers, "hq_admin")
    assert rows["44"]["entries"] == {"life_safety": 0, "emergency_rescue": 0,
                                     "government_regulatory": 1, "other": 0}


async def test_gateway_cannot_read_progress(client, headers):
    response = await client.get("/v1/progress", headers=headers("gateway"))
    assert response.status_code == 403


async def test_province_operator_declares_combing_done(client, headers):
    response = await client.post("/v1/progress/44/complete", json={"note": "all 12 combed"},
                                 headers=headers("province_operator", province="44",
                                                 sub="user:gd-op"))
    assert response.status_code == 200
    assert response.json()["combing_done"] is True
    assert response.json()["combing_done_by"] == "user:gd-op"
    assert response.json()["combing_done_at"]


async def test_hq_sees_the_declaration(client, headers):
    await client.post("/v1/progress/44/complete", headers=headers("hq_admin"))
    rows = await _progress(client, headers, "hq_admin")
    assert rows["44"]["combing_done"] is True
    assert rows["11"]["combing_done"] is False


async def test_declaring_twice_is_conflict(client, headers):
    await client.post("/v1/progress/44/complete", headers=headers("hq_admin"))
    response = await client.post("/v1/progress/44/complete", headers=headers("hq_admin"))
    assert response.status_code == 409


async def test_unknown_province_is_404(client, headers):
    response = await client.post("/v1/progress/99/complete", headers=headers("hq_admin"))
    assert response.status_code == 404
