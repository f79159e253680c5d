"""Records kept current (健全登记信息动态更新机制): PATCH of handlers and ports with If-Match,
versioned and audited; a handler's new name or ID number must be verified again."""

import json

from porttrust_dev import testdata

NUMBER = "106901234567"


def make_id_number(n):
    return testdata.id_number(n, region="440106", born="19850101")


async def etag_of(client, headers, path):
    return (await client.get(path, headers=headers("hq_admin"))).headers["ETag"]


async def patch(client, headers, path, body, etag):
    return await client.patch(path, json=body, headers={**headers("hq_admin"), "If-Match": etag})


async def live(reg, client, headers):
    await reg.port()
    sub = await reg.complete_sub_port()
    await client.post(f"/v1/sub-ports/{NUMBER}/activate", json={}, headers=headers("hq_admin"))
    return f"/v1/handlers/{sub['handler_id']}"


async def test_new_phone_keeps_the_verification_and_answers_masked(reg, client, headers):
    path = await live(reg, client, headers)
    response = await patch(client, headers, path, {"phone": "13911112222"},
                           await etag_of(client, headers, path))
    assert response.status_code == 200
    assert response.json()["phone"] == "139****2222"
    assert "13911112222" not in response.text
    assert response.json()["verification"]["status"] == "verified"
    assert response.headers["ETag"] == 'W/"3"'


async def test_new_name_needs_verification_again_and_the_sub_port_is_incomplete(
        reg, client, headers):
    path = await live(reg, client, headers)
    response = await patch(client, headers, path, {"name": "李四"},
                           await etag_of(client, headers, path))
    assert response.json()["verification"]["status"] == "unverified"
    assert response.json()["name"] == "李*"
    sub = (await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))).json()
    assert (sub["status"], sub["missing"]) == ("active", ["handler_verified"])
    await reg.post(f"{path}/verify", {})
    sub = (await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))).json()
    assert sub["missing"] == []


async def test_new_id_number_needs_verification_again(reg, client, headers):
    path = await live(reg, client, headers)
    response = await patch(client, headers, path, {"id_number": make_id_number(777)},
                           await etag_of(client, headers, path))
    assert response.json()["verification"]["status"] == "unverified"
    assert response.json()["id_number"].endswith(make_id_number(777)[-4:])
    assert make_id_number(777) not in response.text


async def test_handler_patch_without_if_match_is_428_and_stale_is_412(reg, client, headers):
    path = await live(reg, client, headers)
    missing = await client.patch(path, json={"phone": "13911112222"},
                                 headers=headers("hq_admin"))
    stale = await patch(client, headers, path, {"phone": "13911112222"}, 'W/"1"')
    assert (missing.status_code, stale.status_code) == (428, 412)
    assert stale.json()["current_etag"] == 'W/"2"'


async def test_handler_change_is_versioned_and_audited_masked(reg, client, headers):
    path = await live(reg, client, headers)
    await patch(client, headers, path, {"name": "李四"}, await etag_of(client, headers, path))
    handler_id = path.rsplit("/", 1)[1]
    events = await client.get("/v1/audit-events", params={"entity_id": handler_id},
                              headers=headers("auditor"))
    updated = [e for e in events.json()["items"] if e["action"] == "handler.updated"]
    assert updated[0]["data"]["changed"] == ["name", "verification"]
    assert updated[0]["data"]["snapshot"]["name"] == "李*"
    assert "李四" not in events.text


async def test_another_provinces_handler_is_404_on_patch(reg, client, headers):
    path = await live(reg, client, headers)
    response = await client.patch(path, json={"phone": "13911112222"}, headers={
        **headers("province_operator", province="11"), "If-Match": 'W/"2"'})
    assert response.status_code == 404


async def test_port_scope_and_certificate_change_with_if_match(reg, client, headers):
    await reg.port()
    path = "/v1/ports/10690123"
    response = await patch(client, headers, path,
                           {"scope": "national", "resource_certificate_ref": "码号证-2026-17"},
                           await etag_of(client, headers, path))
    assert response.status_code == 200
    assert (response.json()["scope"], response.json()["version"]) == ("national", 2)
    assert response.json()["resource_certificate_ref"] == "码号证-2026-17"
    stale = await patch(client, headers, path, {"scope": "provincial"}, 'W/"1"')
    assert stale.status_code == 412
    missing = await client.patch(path, json={"scope": "provincial"}, headers=headers("hq_admin"))
    assert missing.status_code == 428


async def test_port_change_is_versioned_and_audited(reg, client, headers):
    await reg.port()
    path = "/v1/ports/10690123"
    await patch(client, headers, path, {"resource_certificate_ref": "码号证-1"},
                await etag_of(client, headers, path))
    events = await client.get("/v1/audit-events", params={"entity_id": "10690123"},
                              headers=headers("auditor"))
    assert [e["action"] for e in events.json()["items"]] == ["port.registered", "port.updated"]


async def test_port_with_sub_ports_in_other_provinces_cannot_turn_provincial(
        reg, client, headers):
    holder = await reg.org("44", roles=["holder"])
    await reg.post("/v1/ports", {"number": "10690123", "holder_uscc": holder["uscc"],
                                 "province": "44", "scope": "national"})
    await reg.sub_port(NUMBER, province="11")
    path = "/v1/ports/10690123"
    response = await patch(client, headers, path, {"scope": "provincial"},
                           await etag_of(client, headers, path))
    assert response.status_code == 409
    assert response.json()["code"] == "sub_ports_elsewhere"


async def imported_person(reg, client, headers, update_handler):
    await reg.port()
    unit = await reg.signed_unit("44", NUMBER)
    person = make_id_number(555)
    handler = await reg.post("/v1/handlers", {"name": "张三", "id_number": person,
                                              "phone": "13800000555",
                                              "organization_uscc": unit["uscc"]})
    await reg.post(f"/v1/handlers/{handler['id']}/verify", {})
    row = {"number": NUMBER, "province": "44", "user_unit_uscc": unit["uscc"],
           "handler_name": "李四", "handler_id_number": person, "handler_phone": "13900000555",
           "business_type": "notification", "purpose": "订单发货通知",
           "machine_room": "广州南方基地A3", "equipment": "SMSC-GZ-07",
           "update_handler": update_handler}
    response = await client.post("/v1/sub-ports/import", content=json.dumps(row).encode(),
                                 headers={**headers("hq_admin"),
                                          "Content-Type": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    return (await client.get(f"/v1/handlers/{handler['id']}", headers=headers("hq_admin"))).json()


async def test_import_with_update_handler_brings_name_and_phone_up_to_date(
        reg, client, headers):
    handler = await imported_person(reg, client, headers, update_handler=True)
    assert (handler["name"], handler["phone"]) == ("李*", "139****0555")
    assert handler["verification"]["status"] == "unverified"
    sub = (await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))).json()
    assert sub["missing"] == ["handler_verified"]


async def test_import_without_update_handler_leaves_the_handler_alone(reg, client, headers):
    handler = await imported_person(reg, client, headers, update_handler=False)
    assert (handler["name"], handler["phone"]) == ("张*", "138****0555")
    assert handler["verification"]["status"] == "verified"
