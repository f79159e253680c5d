"""Agreements (R3, R4): the clause rule, and a sub-port complete only when its user unit
signed a service agreement with its port's holder."""

from registry.service.agreements import REQUIRED_CLAUSES

SERVICE_CLAUSES = REQUIRED_CLAUSES["service"]

NUMBER = "106901234567"


async def world(reg):
    port = await reg.port()
    unit = await reg.org(roles=["user_unit"])
    handler = await reg.handler(unit)
    await reg.sub_port(NUMBER, user_unit_uscc=unit["uscc"], handler_id=handler["id"],
                       business_type="notification", purpose="订单发货通知",
                       machine_room="广州南方基地A3", equipment="SMSC-GZ-07")
    return port["holder_uscc"], unit["uscc"]


def service(holder, clauses=SERVICE_CLAUSES):
    return {"kind": "service", "counterparty_uscc": holder, "signed_at": "2026-03-01T09:00:00Z",
            "document_ref": "合同-1", "clauses": list(clauses)}


async def missing(client, headers):
    got = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    return got.json()["missing"]


async def activate(client, headers):
    return await client.post(f"/v1/sub-ports/{NUMBER}/activate", json={},
                             headers=headers("hq_admin"))


async def test_sub_port_without_service_agreement_is_incomplete_and_not_activated(
        reg, client, headers):
    await world(reg)
    assert await missing(client, headers) == ["service_agreement"]
    response = await activate(client, headers)
    assert response.status_code == 409
    assert response.json()["missing"] == ["service_agreement"]


async def test_service_agreement_with_the_ports_holder_completes_the_sub_port(
        reg, client, headers):
    holder, unit = await world(reg)
    created = await client.post(f"/v1/organizations/{unit}/agreements", json=service(holder),
                                headers=headers("province_operator", province="44"))
    assert created.status_code == 201
    assert created.json()["clauses"] == sorted(SERVICE_CLAUSES)
    assert await missing(client, headers) == []
    assert (await activate(client, headers)).status_code == 200


async def test_service_agreement_with_another_holder_does_not_count(reg, client, headers):
    _, unit = await world(reg)
    stranger = await reg.org(roles=["holder"])
    await reg.post(f"/v1/organizations/{unit}/agreements", service(stranger["uscc"]))
    assert await missing(client, headers) == ["service_agreement"]


async def test_service_agreement_lacking_clauses_is_422_naming_them(reg, client, headers):
    holder, unit = await world(reg)
    response = await client.post(f"/v1/organizations/{unit}/agreements",
                                 json=service(holder, ["no_transfer", "retain_logs"]),
                                 headers=headers("hq_admin"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["missing_clauses"] == ["no_rent", "no_sublet", "no_out_of_scope"]
    assert await missing(client, headers) == ["service_agreement"]


async def test_signed_at_is_iso_8601_not_a_unix_time(reg, client, headers):
    holder, unit = await world(reg)
    for signed_at in (0, "1700000000", "9999-12-31T23:59:59-23:59"):
        response = await client.post(f"/v1/organizations/{unit}/agreements",
                                     json=dict(service(holder), signed_at=signed_at),
                                     headers=headers("hq_admin"))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


async def test_service_agreement_needs_a_counterparty(reg, client, headers):
    _, unit = await world(reg)
    body = {**service(None)}
    del body["counterparty_uscc"]
    response = await client.post(f"/v1/organizations/{unit}/agreements", json=body,
                                 headers=headers("hq_admin"))
    assert response.status_code == 422
    assert response.json()["code"] == "counterparty_required"


async def test_supplementary_agreement_must_carry_report_true_user_units(reg, client, headers):
    holder, _ = await world(reg)
    body = {"kind": "holder_supplementary", "signed_at": "2026-05-01T00:00:00Z",
            "document_ref": "补充协议-1", "clauses": ["retain_logs"]}
    response = await client.post(f"/v1/organizations/{holder}/agreements", json=body,
                                 headers=headers("hq_admin"))
    assert response.status_code == 422
    assert response.json()["missing_clauses"] == ["report_true_user_units"]


async def test_supplementary_agreement_names_no_counterparty(reg, client, headers):
    holder, unit = await world(reg)
    body = {"kind": "holder_supplementary", "counterparty_uscc": unit,
            "signed_at": "2026-05-01T00:00:00Z", "document_ref": "补充协议-1",
            "clauses": ["report_true_user_units"]}
    response = await client.post(f"/v1/organizations/{holder}/agreements", json=body,
                                 headers=headers("hq_admin"))
    assert response.status_code == 422
    assert response.json()["code"] == "counterparty_not_allowed"


async def holders_signed(client, headers):
    report = await client.get("/v1/reports/provinces", headers=headers("hq_admin"))
    row = next(i for i in report.json()["items"] if i["province"] == "44")
    return row["holders"]


async def test_supplementary_agreement_after_the_ports_counts_the_holder_signed(
        reg, client, headers):
    holder, _ = await world(reg)
    assert (await holders_signed(client, headers))["signed"] == 0
    await reg.post(f"/v1/organizations/{holder}/agreements", {
        "kind": "holder_supplementary", "signed_at": "2026-06-01T00:00:00Z",
        "document_ref": "补充协议-1", "document_sha256": "AB" * 32,
        "clauses": ["report_true_user_units"]})
    assert await holders_signed(client, headers) == {"signed": 1, "total": 1, "rate": 1.0}


async def test_port_registered_with_agreement_signed_at_records_the_supplementary_agreement(
        reg, client, headers):
    port = await reg.port(agreement_signed_at="2026-01-05T08:00:00Z")
    listed = await client.get(f"/v1/organizations/{port['holder_uscc']}/agreements",
                              headers=headers("auditor"))
    assert [(a["kind"], a["clauses"]) for a in listed.json()["items"]] == [
        ("holder_supplementary", ["report_true_user_units"])]
    assert (await holders_signed(client, headers))["signed"] == 1


async def test_agreements_list_pages_and_filters_by_kind(reg, client, headers):
    holder, unit = await world(reg)
    for _ in range(3):
        await reg.post(f"/v1/organizations/{unit}/agreements", service(holder))
    first = await client.get(f"/v1/organizations/{unit}/agreements",
                             params={"limit": 2, "kind": "service"}, headers=headers("hq_admin"))
    rest = await client.get(f"/v1/organizations/{unit}/agreements",
                            params={"limit": 2, "cursor": first.json()["next_cursor"]},
                            headers=headers("hq_admin"))
    ids = [a["id"] for a in first.json()["items"] + rest.json()["items"]]
    assert len(set(ids)) == 3
    assert rest.json()["next_cursor"] is None


async def test_another_provinces_organization_is_404_for_agreements(reg, client, headers):
    holder, unit = await world(reg)
    h = headers("province_operator", province="11")
    posted = await client.post(f"/v1/organizations/{unit}/agreements", json=service(holder),
                               headers=h)
    listed = await client.get(f"/v1/organizations/{unit}/agreements", headers=h)
    assert (posted.status_code, listed.status_code) == (404, 404)


async def test_recording_an_agreement_is_audited(reg, client, headers):
    holder, unit = await world(reg)
    await reg.post(f"/v1/organizations/{unit}/agreements", service(holder))
    events = await client.get("/v1/audit-events", params={"entity_id": unit},
                              headers=headers("auditor"))
    assert "agreement.recorded" in [e["action"] for e in events.json()["items"]]


async def test_a_service_agreement_refreshes_the_cached_sub_port(reg, client, headers):
    holder, unit = await world(reg)
    assert await missing(client, headers) == ["service_agreement"]
    await reg.post(f"/v1/organizations/{unit}/agreements", service(holder))
    assert await missing(client, headers) == []
