from porttrust_shared.migrations import drift
from registry.models import Base


async def test_models_and_migrations_do_not_drift(db_session):
    conn = await db_session.connection()
    assert await conn.run_sync(lambda sync: drift(sync, Base.metadata)) == []


async def test_audit_chain_verifies_after_changes(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    await client.post("/v1/sub-ports/106901234567/activate", json={},
                      headers=headers("hq_admin"))
    response = await client.get("/v1/audit-events/verify", headers=headers("auditor"))
    assert response.json()["ok"] is True
    assert response.json()["checked"] >= 6


async def test_every_change_is_in_the_audit_log(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    await client.post("/v1/sub-ports/106901234567/activate", json={},
                      headers=headers("hq_admin"))
    response = await client.get("/v1/audit-events", params={"entity_id": "106901234567"},
                                headers=headers("auditor"))
    actions = [e["action"] for e in response.json()["items"]]
    assert actions == ["sub_port.registered", "sub_port.active"]


async def test_audit_events_are_cursor_paginated(reg, client, headers):
    for _ in range(3):
        await reg.org()
    first = await client.get("/v1/audit-events?limit=2", headers=headers("hq_admin"))
    second = await client.get("/v1/audit-events", headers=headers("hq_admin"),
                              params={"limit": 2, "cursor": first.json()["next_cursor"]})
    seqs = [e["seq"] for e in first.json()["items"] + second.json()["items"]]
    assert seqs == sorted(set(seqs)) and len(seqs) >= 3


async def test_province_bound_auditor_sees_only_its_province(reg, client, headers):
    await reg.org(province="44")
    await reg.org(province="11")
    response = await client.get("/v1/audit-events",
                                headers=headers("auditor", province="11"))
    assert {e["province"] for e in response.json()["items"]} == {"11"}


async def test_province_operator_cannot_read_the_audit_log(client, headers):
    response = await client.get("/v1/audit-events",
                                headers=headers("province_operator", province="44"))
    assert response.status_code == 403


async def test_forged_cursor_is_400_not_500(client, headers):
    from porttrust_shared.pagination import encode_cursor

    response = await client.get("/v1/audit-events", params={"cursor": encode_cursor(["x"])},
                                headers=headers("auditor"))
    assert response.status_code == 400
