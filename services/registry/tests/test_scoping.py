"""A province_operator from another province sees 404 everywhere and changes nothing."""

import pytest

NUMBER = "106901234567"


@pytest.fixture
async def world(reg):
    await reg.port()
    sub = await reg.complete_sub_port()
    handler_id = sub["handler_id"]
    return {"sub": sub, "org": sub["user_unit_uscc"], "handler": handler_id}


async def test_foreign_province_gets_404_on_every_object_route(world, client, headers):
    h = headers("province_operator", province="11")
    write = {**h, "If-Match": 'W/"1"'}
    calls = [
        client.get(f"/v1/organizations/{world['org']}", headers=h),
        client.patch(f"/v1/organizations/{world['org']}", json={"name": "x"}, headers=write),
        client.get(f"/v1/handlers/{world['handler']}", headers=h),
        client.post(f"/v1/handlers/{world['handler']}/verify", headers=h),
        client.get("/v1/ports/10690123", headers=h),
        client.get(f"/v1/sub-ports/{NUMBER}", headers=h),
        client.patch(f"/v1/sub-ports/{NUMBER}", json={"purpose": "x"}, headers=write),
        client.get(f"/v1/sub-ports/{NUMBER}/transitions", headers=h),
        client.get(f"/v1/sub-ports/{NUMBER}/versions", headers=h),
        client.get(f"/v1/trace/{NUMBER}", headers=h),
        *[client.post(f"/v1/sub-ports/{NUMBER}/{step}", json={"reason": "x"}, headers=h)
          for step in ("activate", "suspend", "resume", "cancel")],
    ]
    statuses = [(await call).status_code for call in calls]
    assert statuses == [404] * len(statuses)


async def test_foreign_province_changes_nothing(world, client, headers):
    h = headers("province_operator", province="11")
    await client.post(f"/v1/sub-ports/{NUMBER}/cancel", json={"reason": "x"}, headers=h)
    await client.patch(f"/v1/sub-ports/{NUMBER}", json={"purpose": "x"},
                       headers={**h, "If-Match": 'W/"1"'})
    after = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    assert after.json() == world["sub"]


async def test_foreign_province_lists_are_empty(world, client, headers):
    h = headers("province_operator", province="11")
    for path in ("/v1/organizations", "/v1/handlers", "/v1/ports", "/v1/sub-ports"):
        assert (await client.get(path, headers=h)).json()["items"] == []


async def test_own_province_operator_sees_its_sub_port(world, client, headers):
    response = await client.get(f"/v1/sub-ports/{NUMBER}",
                                headers=headers("province_operator", province="44"))
    assert response.status_code == 200


async def test_province_operator_cannot_register_in_another_province(client, headers, reg):
    response = await client.post("/v1/organizations", json={
        "uscc": reg.new_uscc(), "name": "x", "province": "44"},
        headers=headers("province_operator", province="11"))
    assert response.status_code == 403


async def test_auditor_reads_but_cannot_write(world, client, headers):
    h = headers("auditor")
    read = await client.get(f"/v1/sub-ports/{NUMBER}", headers=h)
    write = await client.post(f"/v1/sub-ports/{NUMBER}/cancel", json={"reason": "x"},
                              headers=h)
    assert (read.status_code, write.status_code) == (200, 403)


async def test_request_without_token_is_401(client):
    response = await client.get("/v1/sub-ports")
    assert response.status_code == 401
