EARLY_CODE = "91350100M0001TGQXM"  # genuine, fails the check character


async def test_organization_is_registered_with_a_valid_uscc(client, headers):
    response = await client.post("/v1/organizations", headers=headers("hq_admin"), json={
        "uscc": "91350100M000100Y43", "name": "福建某科技有限公司", "province": "35"})
    assert response.status_code == 201
    assert response.json()["uscc_review"] is False


async def test_uscc_with_wrong_check_character_is_accepted_but_flagged_for_review(
        client, headers):
    response = await client.post("/v1/organizations", headers=headers("hq_admin"), json={
        "uscc": EARLY_CODE, "name": "早期单位", "province": "35"})
    assert response.status_code == 201
    assert response.json()["uscc_review"] is True


async def test_uscc_of_bad_shape_is_422_without_echoing_it(client, headers):
    response = await client.post("/v1/organizations", headers=headers("hq_admin"), json={
        "uscc": "NOT-A-USCC-12345678", "name": "x", "province": "44"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "NOT-A-USCC" not in response.text


async def test_unknown_field_is_rejected(reg, client, headers):
    response = await client.post("/v1/organizations", headers=headers("hq_admin"), json={
        "uscc": reg.new_uscc(), "name": "x", "province": "44", "secret": "y"})
    assert response.status_code == 422


async def test_duplicate_uscc_is_409(reg, client, headers):
    org = await reg.org()
    response = await client.post("/v1/organizations", headers=headers("hq_admin"), json={
        "uscc": org["uscc"], "name": "again", "province": "44"})
    assert response.status_code == 409


async def test_patch_without_if_match_is_428(reg, client, headers):
    org = await reg.org()
    response = await client.patch(f"/v1/organizations/{org['uscc']}",
                                  headers=headers("hq_admin"), json={"name": "新名"})
    assert response.status_code == 428


async def test_patch_with_stale_etag_is_412_and_changes_nothing(reg, client, headers):
    org = await reg.org()
    response = await client.patch(f"/v1/organizations/{org['uscc']}", json={"name": "新名"},
                                  headers={**headers("hq_admin"), "If-Match": 'W/"99"'})
    assert response.status_code == 412
    after = await client.get(f"/v1/organizations/{org['uscc']}", headers=headers("hq_admin"))
    assert after.json()["name"] == org["name"]


async def test_patch_with_current_etag_changes_and_bumps_version(reg, client, headers):
    org = await reg.org()
    got = await client.get(f"/v1/organizations/{org['uscc']}", headers=headers("hq_admin"))
    response = await client.patch(f"/v1/organizations/{org['uscc']}", json={"name": "新名"},
                                  headers={**headers("hq_admin"), "If-Match": got.headers["ETag"]})
    assert response.status_code == 200
    assert response.json()["name"] == "新名"
    assert response.headers["ETag"] == 'W/"2"'


async def test_idempotent_replay_returns_the_first_answer_and_creates_once(
        reg, client, headers):
    h = {**headers("hq_admin", sub="op-1"), "Idempotency-Key": "k-1"}
    body = {"uscc": reg.new_uscc(), "name": "幂等单位", "province": "44"}
    first = await client.post("/v1/organizations", headers=h, json=body)
    second = await client.post("/v1/organizations", headers=h, json=body)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()


async def test_list_is_paginated_with_a_cursor(reg, client, headers):
    for _ in range(3):
        await reg.org()
    page = await client.get("/v1/organizations?limit=2", headers=headers("hq_admin"))
    rest = await client.get(f"/v1/organizations?limit=2&cursor={page.json()['next_cursor']}",
                            headers=headers("hq_admin"))
    seen = [o["uscc"] for o in page.json()["items"] + rest.json()["items"]]
    assert len(seen) == 3 == len(set(seen))
    assert rest.json()["next_cursor"] is None
