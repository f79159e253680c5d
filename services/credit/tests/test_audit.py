UNIT = "91440300000000001H"


async def report(client, headers):
    await client.post("/v1/credit-events", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": UNIT}, "type": "spam_complaint",
        "occurred_at": "2026-10-01T00:00:00Z", "evidence": "e"})


async def test_audit_events_are_listed_newest_first_with_a_cursor(client, headers):
    for _ in range(3):
        await report(client, headers)
    first = (await client.get("/v1/audit-events?limit=2", headers=headers("auditor"))).json()
    rest = (await client.get(f"/v1/audit-events?limit=2&cursor={first['next_cursor']}",
                             headers=headers("auditor"))).json()
    seqs = [e["seq"] for e in first["items"] + rest["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert len(seqs) == 3


async def test_audit_events_filter_by_action(client, headers):
    await report(client, headers)
    body = (await client.get("/v1/audit-events?action=credit_event.recorded",
                             headers=headers("auditor"))).json()
    assert {e["action"] for e in body["items"]} == {"credit_event.recorded"}


async def test_audit_chain_verifies(client, headers):
    await report(client, headers)
    body = (await client.get("/v1/audit-events/verify", headers=headers("auditor"))).json()
    assert body["ok"] is True
    assert body["checked"] >= 1
