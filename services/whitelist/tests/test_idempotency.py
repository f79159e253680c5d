async def test_repeated_key_replays_the_first_application(wl, client, headers):
    key = {"Idempotency-Key": "apply-1", **headers("hq_admin", sub="user:hq")}
    first = await client.post("/v1/applications", json=wl.body(), headers=key)
    second = await client.post("/v1/applications", json=wl.body(), headers=key)
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"


async def test_replay_creates_no_second_application(wl, client, headers):
    key = {"Idempotency-Key": "apply-2", **headers("hq_admin", sub="user:hq")}
    await client.post("/v1/applications", json=wl.body(), headers=key)
    await client.post("/v1/applications", json=wl.body(), headers=key)
    listed = await client.get("/v1/applications", headers=headers("hq_admin"))
    assert len(listed.json()["items"]) == 1


async def test_same_key_with_a_different_body_is_conflict(wl, client, headers):
    key = {"Idempotency-Key": "apply-3", **headers("hq_admin", sub="user:hq")}
    await client.post("/v1/applications", json=wl.body(), headers=key)
    response = await client.post("/v1/applications", json=wl.body("106909999999"), headers=key)
    assert response.status_code == 409


async def test_repeated_approve_with_a_key_replays_instead_of_conflicting(wl, client, headers):
    application = await wl.apply()
    key = {"Idempotency-Key": "approve-1", **headers("whitelist_admin", sub="user:approver")}
    path = f"/v1/applications/{application['id']}/approve"
    first = await client.post(path, headers=key)
    second = await client.post(path, headers=key)
    assert second.status_code == 200
    assert second.json()["entry_id"] == first.json()["entry_id"]
