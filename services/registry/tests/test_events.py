import uuid

NUMBER = "106901234567"


async def _event(client, headers, topic, payload, event_id=None):
    body = {"id": event_id or uuid.uuid4().hex, "source": "credit", "topic": topic,
            "payload": payload}
    return await client.post("/v1/events", json=body, headers=headers("service"))


async def _active(reg, client, headers, number=NUMBER):
    sub = await reg.complete_sub_port(number)
    await client.post(f"/v1/sub-ports/{number}/activate", json={}, headers=headers("hq_admin"))
    return sub


def _sanction(kind, key, blacklist_id="bl-1", sanctions=("suspend_cooperation",)):
    subject = ({"kind": kind, "id_number_index": key} if kind == "handler"
               else {"kind": kind, "key": key})
    return {"blacklist_id": blacklist_id, "subject": subject, "sanctions": list(sanctions),
            "reason": "诈骗案件", "case_ref": "case-9"}


async def _status(client, headers, number=NUMBER):
    return (await client.get(f"/v1/sub-ports/{number}", headers=headers("hq_admin"))).json()


async def test_sanction_on_user_unit_suspends_its_active_sub_ports(reg, client, headers):
    await reg.port()
    sub = await _active(reg, client, headers)
    response = await _event(client, headers, "sanction.applied",
                            _sanction("user_unit", sub["user_unit_uscc"]))
    after = await _status(client, headers)
    assert response.json()["applied"] is True
    assert (after["status"], after["status_reason"]) == ("suspended", "sanction: 诈骗案件")


async def test_sanction_on_handler_by_blind_index_suspends_its_sub_ports(
        reg, client, headers, db_session):
    from registry.models import Handler

    await reg.port()
    sub = await _active(reg, client, headers)
    handler = await db_session.get(Handler, sub["handler_id"])
    await _event(client, headers, "sanction.applied",
                 _sanction("handler", handler.id_number_index))
    assert (await _status(client, headers))["status"] == "suspended"


async def test_sanction_on_holder_suspends_sub_ports_of_its_ports(reg, client, headers):
    holder = await reg.org()
    await reg.port(holder=holder)
    await _active(reg, client, headers)
    await _event(client, headers, "sanction.applied", _sanction("holder", holder["uscc"]))
    assert (await _status(client, headers))["status"] == "suspended"


async def test_whitelisted_sub_port_is_queued_for_review_not_suspended(reg, client, headers):
    await reg.port()
    sub = await _active(reg, client, headers)
    await _event(client, headers, "whitelist.granted", {
        "entry_id": "wl-1", "number": "10690123", "category": "emergency_rescue",
        "expires_at": None})
    await _event(client, headers, "sanction.applied",
                 _sanction("user_unit", sub["user_unit_uscc"]))
    reviews = await client.get("/v1/sanction-reviews", headers=headers("hq_admin"))
    assert (await _status(client, headers))["status"] == "active"
    assert [r["sub_port_number"] for r in reviews.json()["items"]] == [NUMBER]


async def test_restricted_subject_is_refused_before_credit_is_asked(
        reg, client, headers, credit):
    await reg.port()
    unit = await reg.org()
    await _event(client, headers, "sanction.applied",
                 _sanction("user_unit", unit["uscc"], sanctions=("restrict_business",)))
    credit.calls.clear()
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"), json={
        "number": NUMBER, "province": "44", "user_unit_uscc": unit["uscc"]})
    assert response.status_code == 409
    assert response.json()["code"] == "blacklisted"
    assert credit.calls == []


async def test_lifted_sanction_allows_registration_but_resumes_nothing(reg, client, headers):
    await reg.port()
    sub = await _active(reg, client, headers)
    await _event(client, headers, "sanction.applied",
                 _sanction("user_unit", sub["user_unit_uscc"]))
    await _event(client, headers, "sanction.lifted", {"blacklist_id": "bl-1", "subject": {
        "kind": "user_unit", "key": sub["user_unit_uscc"]}})
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"), json={
        "number": "106901230009", "province": "44", "user_unit_uscc": sub["user_unit_uscc"]})
    assert response.status_code == 201
    assert (await _status(client, headers))["status"] == "suspended"


async def test_the_same_event_is_applied_once(reg, client, headers):
    await reg.port()
    sub = await _active(reg, client, headers)
    payload = _sanction("user_unit", sub["user_unit_uscc"])
    first = await _event(client, headers, "sanction.applied", payload, event_id="e" * 32)
    second = await _event(client, headers, "sanction.applied", payload, event_id="e" * 32)
    transitions = await client.get(f"/v1/sub-ports/{NUMBER}/transitions",
                                   headers=headers("hq_admin"))
    assert (first.json()["applied"], second.json()["applied"]) == (True, False)
    assert [t["to_status"] for t in transitions.json()] == ["active", "suspended"]


async def test_whitelist_grant_flags_covered_sub_ports_and_later_ones(reg, client, headers):
    await reg.port()
    await reg.sub_port("106901230001")
    await _event(client, headers, "whitelist.granted",
                 {"entry_id": "wl-2", "number": "10690123", "category": "life_safety"})
    later = await reg.sub_port("106901230002")
    assert (await _status(client, headers, "106901230001"))["whitelisted"] is True
    assert later["whitelisted"] is True


async def test_whitelist_revoke_clears_the_flag(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    await _event(client, headers, "whitelist.granted",
                 {"entry_id": "wl-3", "number": NUMBER, "category": "life_safety"})
    await _event(client, headers, "whitelist.revoked", {"entry_id": "wl-3", "number": NUMBER})
    assert (await _status(client, headers))["whitelisted"] is False


async def test_whitelist_on_another_number_does_not_cover(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    await _event(client, headers, "whitelist.granted",
                 {"entry_id": "wl-4", "number": "106901239", "category": "life_safety"})
    assert (await _status(client, headers))["whitelisted"] is False


async def test_malformed_event_payload_is_422(client, headers):
    response = await _event(client, headers, "sanction.applied", {"subject": {}})
    assert response.status_code == 422


async def test_events_need_the_service_role(client, headers):
    response = await client.post("/v1/events", headers=headers("hq_admin"), json={
        "id": "x", "source": "credit", "topic": "sanction.lifted", "payload": {}})
    assert response.status_code == 403
