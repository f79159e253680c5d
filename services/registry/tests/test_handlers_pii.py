import logging
import re

from sqlalchemy import select

from registry.clients import LocalVerifier
from registry.models import AuditEvent, EntityVersion, Handler

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
UNMASKED = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dX]|1[3-9]\d{9})(?![0-9A-Za-z])")


async def _handler(reg, org):
    return await reg.post("/v1/handlers", {"name": "张三丰", "id_number": ID_NUMBER,
                                           "phone": PHONE, "organization_uscc": org["uscc"]})


async def test_handler_is_shown_masked(reg):
    handler = await _handler(reg, await reg.org())
    assert (handler["name"], handler["id_number"], handler["phone"]) == (
        "张**", "110105********002X", "138****5678")


async def test_handler_pii_is_encrypted_at_rest(reg, db_session):
    handler = await _handler(reg, await reg.org())
    row = await db_session.get(Handler, handler["id"])
    stored = " ".join([row.name_enc, row.id_number_enc, row.phone_enc])
    assert ID_NUMBER not in stored and PHONE not in stored and "张三丰" not in stored


async def test_no_response_carries_an_unmasked_id_number_or_phone(reg, client, headers):
    org = await reg.org()
    handler = await _handler(reg, org)
    await reg.port()
    await reg.sub_port(user_unit_uscc=org["uscc"], handler_id=handler["id"])
    h = headers("hq_admin")
    bodies = [
        (await client.get(f"/v1/handlers/{handler['id']}", headers=h)).text,
        (await client.get("/v1/handlers", headers=h)).text,
        (await client.post(f"/v1/handlers/{handler['id']}/verify", headers=h)).text,
        (await client.get("/v1/trace/106901234567", headers=headers("enforcement"))).text,
        (await client.get("/v1/audit-events", headers=h)).text,
        (await client.get("/v1/sub-ports/106901234567/versions", headers=h)).text,
    ]
    assert not any(UNMASKED.search(body) for body in bodies)


async def test_invalid_id_number_is_422_without_echoing_it(reg, client, headers):
    org = await reg.org()
    response = await client.post("/v1/handlers", headers=headers("hq_admin"), json={
        "name": "王五", "id_number": "110105194912310021", "phone": PHONE,
        "organization_uscc": org["uscc"]})
    assert response.status_code == 422
    assert "110105194912310021" not in response.text


async def test_logs_carry_no_unmasked_pii(reg, client, headers, caplog):
    caplog.set_level(logging.INFO)
    org = await reg.org()
    handler = await _handler(reg, org)
    await client.post(f"/v1/handlers/{handler['id']}/verify", headers=headers("hq_admin"))
    await client.post("/v1/handlers", headers=headers("hq_admin"), json={
        "name": "王五", "id_number": "110105194912310021", "phone": "13900000000",
        "organization_uscc": org["uscc"]})
    assert caplog.records
    assert not UNMASKED.search(caplog.text)


async def test_versions_and_audit_hold_masked_snapshots_with_the_blind_index(
        reg, db_session, app):
    handler = await _handler(reg, await reg.org())
    version = (await db_session.execute(select(EntityVersion).where(
        EntityVersion.key == handler["id"]))).scalar_one()
    audit = (await db_session.execute(select(AuditEvent).where(
        AuditEvent.entity_id == handler["id"]))).scalar_one()
    assert version.snapshot["id_number"] == "110105********002X"
    assert version.snapshot["id_number_index"] == app.state.cipher.blind_index(
        ID_NUMBER, field="id_number")
    assert ID_NUMBER not in str(audit.data) and PHONE not in str(audit.data)


async def test_verify_stores_result_time_and_verifier(reg):
    handler = await _handler(reg, await reg.org())
    verified = await reg.post(f"/v1/handlers/{handler['id']}/verify", {})
    assert verified["verification"]["status"] == "verified"
    assert verified["verification"]["verifier"] == "local"
    assert verified["verification"]["verified_at"]


async def test_verify_fails_when_the_match_list_disagrees(reg, app, tmp_path):
    match = tmp_path / "match.csv"
    match.write_text(f"name,id_number\n李四,{ID_NUMBER}\n", encoding="utf-8")
    original = app.state.identity_verifier
    app.state.identity_verifier = LocalVerifier.from_file(match)
    try:
        handler = await _handler(reg, await reg.org())
        result = await reg.post(f"/v1/handlers/{handler['id']}/verify", {})
    finally:
        app.state.identity_verifier = original
    assert result["verification"]["status"] == "failed"
    assert result["verification"]["reason"] == "name and ID number do not match"


async def test_handler_of_unknown_organization_is_422(client, headers, reg):
    response = await client.post("/v1/handlers", headers=headers("hq_admin"), json={
        "name": "王五", "id_number": ID_NUMBER, "phone": PHONE,
        "organization_uscc": reg.new_uscc()})
    assert response.status_code == 422


async def test_reading_a_handler_and_tracing_are_audited(reg, client, headers):
    handler = await _handler(reg, await reg.org())
    await client.get(f"/v1/handlers/{handler['id']}", headers=headers("hq_admin", sub="reader"))
    await reg.port()
    await client.get("/v1/trace/10690123", headers=headers("enforcement", sub="tracer"))
    log = (await client.get("/v1/audit-events", headers=headers("auditor"))).json()["items"]
    assert ("reader", "handler.viewed") in [(e["actor"], e["action"]) for e in log]
    assert ("tracer", "trace.queried") in [(e["actor"], e["action"]) for e in log]


async def test_handler_is_found_by_id_number_in_the_body(reg, client, headers):
    handler = await _handler(reg, await reg.org())
    await _handler(reg, await reg.org(province="11"))
    found = await client.post("/v1/handlers/search", json={"id_number": ID_NUMBER},
                              headers=headers("province_operator", province="44"))
    assert [h["id"] for h in found.json()] == [handler["id"]]
    assert ID_NUMBER not in found.text
