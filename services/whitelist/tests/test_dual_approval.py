APPLICANT, APPROVER = "user:applicant", "user:approver"  # as in conftest.py


async def test_applicant_cannot_approve_own_application(wl):
    application = await wl.apply()
    response = await wl.approve(application["id"], sub=APPLICANT)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/dual-approval-required")


async def test_refused_self_approval_leaves_application_pending(wl, client, headers):
    application = await wl.apply()
    await wl.approve(application["id"], sub=APPLICANT)
    response = await client.get(f"/v1/applications/{application['id']}",
                                headers=headers("hq_admin"))
    assert response.json()["status"] == "pending"


async def test_another_person_approves_and_an_entry_is_created(wl):
    application = await wl.apply()
    response = await wl.approve(application["id"], sub=APPROVER)
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["decided_by"] == APPROVER
    assert response.json()["entry_id"]


async def test_applicant_cannot_reject_own_application(wl, client, headers):
    application = await wl.apply()
    response = await client.post(f"/v1/applications/{application['id']}/reject",
                                 json={"reason": "changed my mind"},
                                 headers=headers("whitelist_admin", sub=APPLICANT))
    assert response.status_code == 403


async def test_another_person_rejects_with_a_reason(wl, client, headers):
    application = await wl.apply()
    response = await client.post(f"/v1/applications/{application['id']}/reject",
                                 json={"reason": "not a life-safety sender"},
                                 headers=headers("hq_admin", sub=APPROVER))
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["entry_id"] is None


async def test_reject_without_reason_is_422(wl, client, headers):
    application = await wl.apply()
    response = await client.post(f"/v1/applications/{application['id']}/reject", json={},
                                 headers=headers("hq_admin", sub=APPROVER))
    assert response.status_code == 422


async def test_only_pending_applications_can_be_decided(wl):
    application = await wl.apply()
    await wl.approve(application["id"])
    response = await wl.approve(application["id"], sub="user:third")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/application-not-pending")


async def test_province_operator_cannot_approve(wl, client, headers):
    application = await wl.apply()
    response = await client.post(f"/v1/applications/{application['id']}/approve",
                                 headers=headers("province_operator", province="44"))
    assert response.status_code == 403


async def test_applicant_withdraws_a_pending_application(wl, client, headers):
    application = await wl.apply()
    response = await client.post(f"/v1/applications/{application['id']}/withdraw",
                                 headers=headers("whitelist_admin", sub=APPLICANT))
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


async def test_someone_else_cannot_withdraw(wl, client, headers):
    application = await wl.apply()
    response = await client.post(f"/v1/applications/{application['id']}/withdraw",
                                 headers=headers("whitelist_admin", sub=APPROVER))
    assert response.status_code == 403


async def test_withdrawn_application_cannot_be_approved(wl, client, headers):
    application = await wl.apply()
    await client.post(f"/v1/applications/{application['id']}/withdraw",
                      headers=headers("whitelist_admin", sub=APPLICANT))
    assert (await wl.approve(application["id"])).status_code == 409


async def test_approve_body_with_unknown_field_is_422(wl, client, headers):
    application = await wl.apply()
    response = await client.post(f"/v1/applications/{application['id']}/approve",
                                 json={"approver": APPLICANT},
                                 headers=headers("whitelist_admin", sub=APPROVER))
    assert response.status_code == 422


async def test_an_identity_the_applicant_created_cannot_approve(wl, client, headers):
    application = await wl.apply()
    response = await client.post(f"/v1/applications/{application['id']}/approve", json={},
                                 headers=headers("whitelist_admin", sub="c-made-by-applicant",
                                                 owner=APPLICANT))
    assert response.status_code == 403


async def test_the_applicant_cannot_approve_through_its_creator(client, headers):
    response = await client.post("/v1/applications", headers=headers(
        "whitelist_admin", sub="c-proxy", owner="user:boss"), json={
        "number": "106901234567", "category": "life_safety", "justification": "120 调度",
        "province": "44"})
    approve = await client.post(f"/v1/applications/{response.json()['id']}/approve", json={},
                                headers=headers("hq_admin", sub="user:boss", owner="user:boss"))
    assert approve.status_code == 403
