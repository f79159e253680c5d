from porttrust_shared.audit import append_audit
from porttrust_shared.pagination import encode_cursor


async def _entries(db_session, audit_model, provinces):
    for n, province in enumerate(provinces):
        await append_audit(db_session, audit_model, actor="a", action="thing.done",
                           entity="thing", entity_id=f"t{n}", province=province)
    await db_session.commit()


async def test_audit_events_come_in_chain_order_a_page_at_a_time(client, db_session, headers,
                                                                  audit_model):
    await _entries(db_session, audit_model, ["44", "44", "35"])
    first = (await client.get("/v1/audit-events?limit=2", headers=headers("auditor"))).json()
    rest = (await client.get("/v1/audit-events", params={"cursor": first["next_cursor"]},
                             headers=headers("auditor"))).json()
    seqs = [e["seq"] for e in first["items"] + rest["items"]]
    assert seqs == sorted(seqs) and len(seqs) == 3


async def test_audit_events_newest_first_on_request(client, db_session, headers, audit_model):
    await _entries(db_session, audit_model, ["44", "44", "35"])
    body = (await client.get("/v1/audit-events?order=desc", headers=headers("hq_admin"))).json()
    seqs = [e["seq"] for e in body["items"]]
    assert seqs == sorted(seqs, reverse=True)


async def test_a_province_auditor_sees_only_its_province(client, db_session, headers,
                                                         audit_model):
    await _entries(db_session, audit_model, ["44", "35"])
    body = (await client.get("/v1/audit-events", headers=headers("auditor", province="44"))).json()
    assert {e["province"] for e in body["items"]} == {"44"}


async def test_audit_events_filter_by_entity_id(client, db_session, headers, audit_model):
    await _entries(db_session, audit_model, ["44", "35"])
    body = (await client.get("/v1/audit-events?entity_id=t1", headers=headers("auditor"))).json()
    assert [e["entity_id"] for e in body["items"]] == ["t1"]


async def test_a_forged_audit_cursor_is_a_400_problem(client, headers):
    response = await client.get("/v1/audit-events", params={"cursor": encode_cursor(["x"])},
                                headers=headers("auditor"))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_only_auditors_and_hq_read_the_audit_trail(client, headers):
    response = await client.get("/v1/audit-events", headers=headers("gateway"))
    assert response.status_code == 403


async def test_the_chain_verifies_through_the_route(client, db_session, headers, audit_model):
    await _entries(db_session, audit_model, ["44", "35"])
    body = (await client.get("/v1/audit-events/verify", headers=headers("auditor"))).json()
    assert body["ok"] is True and body["checked"] >= 2
