import pytest

UNIT = "91440300000000001H"
EVENT = {"subject": {"kind": "user_unit", "key": UNIT}, "type": "spam_complaint",
         "occurred_at": "2026-10-01T00:00:00Z", "evidence": "e"}
ENTRY = {"subject": {"kind": "user_unit", "key": UNIT}, "reason": "r", "evidence": "e"}
CASE = {"number": "106901234567", "occurred_at": "2026-10-01T00:00:00Z", "case_ref": "C-1"}
CHECK = {"subjects": [{"kind": "user_unit", "key": UNIT}]}


@pytest.mark.parametrize(("role", "status"), [
    ("enforcement", 201), ("hq_admin", 201), ("service", 201),
    ("province_operator", 403), ("gateway", 403), ("auditor", 403)])
async def test_who_may_report_credit_events(client, headers, role, status):
    response = await client.post("/v1/credit-events", json=EVENT, headers=headers(role))
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), [
    ("enforcement", 201), ("hq_admin", 201), ("service", 403), ("province_operator", 403),
    ("auditor", 403)])
async def test_who_may_blacklist_by_hand(client, headers, role, status):
    response = await client.post("/v1/blacklist", json=ENTRY, headers=headers(role))
    assert response.status_code == status


@pytest.mark.parametrize("role", ["service", "province_operator", "gateway", "auditor"])
async def test_only_enforcement_and_hq_report_fraud_cases(client, headers, role):
    response = await client.post("/v1/fraud-cases", json=CASE, headers=headers(role))
    assert response.status_code == 403


@pytest.mark.parametrize(("role", "status"), [
    ("service", 200), ("enforcement", 200), ("hq_admin", 200), ("auditor", 200),
    ("gateway", 403), ("province_operator", 403), ("whitelist_admin", 403)])
async def test_who_may_check_the_blacklist(client, headers, role, status):
    response = await client.post("/v1/blacklist/check", json=CHECK, headers=headers(role))
    assert response.status_code == status


@pytest.mark.parametrize("role", ["service", "province_operator", "auditor"])
async def test_only_enforcement_and_hq_lift_entries(client, headers, role):
    entry_id = (await client.post("/v1/blacklist", json=ENTRY,
                                  headers=headers("enforcement"))).json()["id"]
    response = await client.post(f"/v1/blacklist/{entry_id}/lift", json={"reason": "r"},
                                 headers=headers(role))
    assert response.status_code == 403


@pytest.mark.parametrize(("role", "status"), [
    ("auditor", 200), ("hq_admin", 200), ("enforcement", 403), ("service", 403)])
async def test_who_may_read_the_audit_trail(client, headers, role, status):
    response = await client.get("/v1/audit-events", headers=headers(role))
    assert response.status_code == status


async def test_no_token_is_401_problem(client):
    response = await client.post("/v1/blacklist/check", json=CHECK)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
