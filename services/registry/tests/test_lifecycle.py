from sqlalchemy import select

from registry.models import OutboxEvent

NUMBER = "106901234567"


async def _step(client, headers, action, reason="test", number=NUMBER, **kw):
    return await client.post(f"/v1/sub-ports/{number}/{action}", json={"reason": reason},
                             headers=headers("hq_admin", **kw))


async def test_sub_port_starts_registered_and_lists_what_activation_needs(reg):
    await reg.port()
    sub = await reg.sub_port()
    assert sub["status"] == "registered"
    assert sub["port_number"] == "10690123"
    assert set(sub["missing"]) == {"user_unit", "handler", "business_type", "purpose",
                                   "machine_room", "equipment", "service_agreement"}


async def test_activation_refused_while_incomplete_with_missing_codes(reg, client, headers):
    await reg.port()
    await reg.sub_port(business_type="marketing")
    response = await _step(client, headers, "activate")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["missing"] == ["user_unit", "handler", "purpose", "machine_room",
                                          "equipment", "service_agreement"]


async def test_activation_refused_until_handler_verified(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port(verified=False)
    response = await _step(client, headers, "activate")
    assert response.status_code == 409
    assert response.json()["missing"] == ["handler_verified"]


async def test_complete_sub_port_with_verified_handler_activates(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    response = await _step(client, headers, "activate")
    assert response.status_code == 200
    assert response.json()["status"] == "active"


async def test_activation_asks_credit_about_holder_user_unit_and_handler(
        reg, client, headers, credit):
    await reg.port()
    await reg.complete_sub_port()
    credit.calls.clear()
    await _step(client, headers, "activate")
    assert [s["kind"] for s in credit.calls[0]["subjects"]] == ["holder", "user_unit", "handler"]


async def test_suspend_and_resume_go_back_and_forth(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    await _step(client, headers, "activate")
    suspended = await _step(client, headers, "suspend", "投诉核查")
    resumed = await _step(client, headers, "resume", "核查完毕")
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["status_reason"] == "投诉核查"
    assert resumed.json()["status"] == "active"


async def test_cancelled_sub_port_cannot_be_resumed(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    await _step(client, headers, "cancel", "合同终止")
    response = await _step(client, headers, "resume", "again")
    assert response.status_code == 409
    assert response.json()["current_status"] == "cancelled"


async def test_registered_sub_port_cannot_be_suspended(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    response = await _step(client, headers, "suspend")
    assert response.status_code == 409


async def test_suspend_requires_a_reason(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    await _step(client, headers, "activate")
    response = await client.post(f"/v1/sub-ports/{NUMBER}/suspend", json={},
                                 headers=headers("hq_admin"))
    assert response.status_code == 422


async def test_every_transition_is_stored_with_reason_actor_and_time(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    await _step(client, headers, "activate", "开通", sub="op-7")
    await _step(client, headers, "suspend", "暂停", sub="op-8")
    response = await client.get(f"/v1/sub-ports/{NUMBER}/transitions",
                                headers=headers("auditor"))
    steps = [(t["from_status"], t["to_status"], t["reason"], t["actor"])
             for t in response.json()]
    assert steps == [("registered", "active", "开通", "op-7"),
                     ("active", "suspended", "暂停", "op-8")]
    assert all(t["at"] for t in response.json())


async def test_credit_down_gives_503_and_nothing_changes(reg, client, headers, credit):
    await reg.port()
    before = await reg.complete_sub_port()
    credit.down = True
    response = await _step(client, headers, "activate")
    assert response.status_code == 503
    after = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    transitions = await client.get(f"/v1/sub-ports/{NUMBER}/transitions",
                                   headers=headers("hq_admin"))
    assert after.json() == before
    assert transitions.json() == []


async def test_credit_down_refuses_registration_with_503(reg, client, headers, credit):
    await reg.port()
    credit.down = True
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"),
                                 json={"number": NUMBER, "province": "44"})
    assert response.status_code == 503
    credit.down = False
    missing = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    assert missing.status_code == 404


async def test_activation_refused_while_handler_blacklisted(reg, client, headers, credit):
    await reg.port()
    unit = await reg.signed_unit("44", "10690123")
    handler_id_number = reg.new_id_number()
    handler = await reg.post("/v1/handlers", {"name": "李四", "id_number": handler_id_number,
                                              "phone": "13900001111",
                                              "organization_uscc": unit["uscc"]})
    await reg.post(f"/v1/handlers/{handler['id']}/verify", {})
    await reg.sub_port(user_unit_uscc=unit["uscc"], handler_id=handler["id"],
                       business_type="notification", purpose="p", machine_room="m",
                       equipment="e")
    credit.blacklisted.add(("handler", handler_id_number))
    response = await _step(client, headers, "activate")
    assert response.status_code == 409
    assert response.json()["code"] == "blacklisted"
    assert response.json()["subjects"] == [{"kind": "handler", "id": handler["id"]}]
    assert handler_id_number not in response.text


async def test_registration_refused_for_blacklisted_user_unit(reg, client, headers, credit):
    await reg.port()
    unit = await reg.org()
    credit.blacklisted.add(("user_unit", unit["uscc"]))
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"), json={
        "number": NUMBER, "province": "44", "user_unit_uscc": unit["uscc"]})
    assert response.status_code == 409
    assert response.json()["code"] == "blacklisted"


async def test_port_registration_refused_for_blacklisted_holder(reg, client, headers, credit):
    holder = await reg.org()
    credit.blacklisted.add(("holder", holder["uscc"]))
    response = await client.post("/v1/ports", headers=headers("hq_admin"), json={
        "number": "10690123", "holder_uscc": holder["uscc"], "province": "44",
        "scope": "provincial"})
    assert response.status_code == 409


async def test_second_user_unit_on_the_same_sub_port_is_refused(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    other = await reg.org()
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"), json={
        "number": NUMBER, "province": "44", "user_unit_uscc": other["uscc"]})
    assert response.status_code == 409
    assert response.json()["code"] == "mixed_sub_port_use"


async def test_mixed_use_attempt_is_reported_to_credit_for_holder_and_unit(
        reg, client, headers, db_session):
    holder = await reg.org()
    await reg.port(holder=holder)
    await reg.complete_sub_port()
    other = await reg.org()
    await client.post("/v1/sub-ports", headers=headers("hq_admin"), json={
        "number": NUMBER, "province": "44", "user_unit_uscc": other["uscc"]})
    events = (await db_session.execute(select(OutboxEvent).where(
        OutboxEvent.topic == "credit_event.reported"))).scalars().all()
    assert sorted((e.payload["subject"]["kind"], e.payload["subject"]["key"]) for e in events) == [
        ("holder", holder["uscc"]), ("user_unit", other["uscc"])]
    assert {e.payload["type"] for e in events} == {"mixed_sub_port_use"}


async def test_active_sub_port_cannot_switch_to_another_user_unit(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    await _step(client, headers, "activate")
    other = await reg.org()
    got = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    response = await client.patch(f"/v1/sub-ports/{NUMBER}", json={
        "user_unit_uscc": other["uscc"]},
        headers={**headers("hq_admin"), "If-Match": got.headers["ETag"]})
    assert response.status_code == 409
    assert response.json()["code"] == "mixed_sub_port_use"


async def test_patch_sub_port_needs_current_etag(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    missing = await client.patch(f"/v1/sub-ports/{NUMBER}", json={"purpose": "验证码"},
                                 headers=headers("hq_admin"))
    stale = await client.patch(f"/v1/sub-ports/{NUMBER}", json={"purpose": "验证码"},
                               headers={**headers("hq_admin"), "If-Match": 'W/"7"'})
    assert (missing.status_code, stale.status_code) == (428, 412)


async def test_every_change_of_a_sub_port_is_a_version_with_changed_fields(
        reg, client, headers):
    await reg.port()
    await reg.sub_port()
    got = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    await client.patch(f"/v1/sub-ports/{NUMBER}", json={"purpose": "验证码", "equipment": "E1"},
                       headers={**headers("hq_admin"), "If-Match": got.headers["ETag"]})
    versions = (await client.get(f"/v1/sub-ports/{NUMBER}/versions",
                                 headers=headers("hq_admin"))).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["changed"] == ["equipment", "purpose"]
    assert versions[1]["snapshot"]["purpose"] == "验证码"


async def test_cancelled_number_can_be_registered_again_and_keeps_its_history(
        reg, client, headers):
    await reg.port()
    await reg.sub_port()
    await _step(client, headers, "cancel", "合同终止")
    again = await reg.sub_port()
    versions = await client.get(f"/v1/sub-ports/{NUMBER}/versions", headers=headers("hq_admin"))
    assert again["status"] == "registered"
    assert [v["snapshot"]["status"] for v in versions.json()] == [
        "registered", "cancelled", "registered"]


async def test_active_sub_port_cannot_take_an_unverified_handler(reg, client, headers):
    await reg.port()
    sub = await reg.complete_sub_port()
    await _step(client, headers, "activate")
    unit = await client.get(f"/v1/organizations/{sub['user_unit_uscc']}",
                            headers=headers("hq_admin"))
    unverified = await reg.handler(unit.json(), verified=False)
    got = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    response = await client.patch(f"/v1/sub-ports/{NUMBER}", json={
        "handler_id": unverified["id"]},
        headers={**headers("hq_admin"), "If-Match": got.headers["ETag"]})
    assert response.status_code == 409
    assert response.json()["missing"] == ["handler_verified"]
