async def test_every_decision_is_in_the_audit_chain(wl, client, headers):
    granted = await wl.grant()
    response = await client.get("/v1/audit-events", headers=headers("auditor"))
    actions = [e["action"] for e in response.json()["items"]]
    assert actions == ["application.submitted", "entry.granted", "application.approved"]
    assert response.json()["items"][2]["entity_id"] == granted["id"]


async def test_audit_chain_verifies(wl, client, headers):
    await wl.grant()
    response = await client.get("/v1/audit-events/verify", headers=headers("hq_admin"))
    assert response.json() == {"ok": True, "checked": 3, "first_bad_seq": None,
                               "problem": None}


async def test_audit_chain_keeps_justification_out(wl, client, headers):
    await wl.apply(justification="secret internal memo")
    response = await client.get("/v1/audit-events", headers=headers("auditor"))
    assert "secret internal memo" not in response.text


async def test_audit_events_are_for_auditors_and_hq(client, headers):
    response = await client.get("/v1/audit-events", headers=headers("whitelist_admin"))
    assert response.status_code == 403


async def test_audit_events_page_with_a_cursor(wl, client, headers):
    await wl.grant()
    first = await client.get("/v1/audit-events", params={"limit": 2},
                             headers=headers("auditor"))
    rest = await client.get("/v1/audit-events",
                            params={"limit": 2, "cursor": first.json()["next_cursor"]},
                            headers=headers("auditor"))
    assert [e["seq"] for e in first.json()["items"] + rest.json()["items"]] == [1, 2, 3]
