import json
import logging

import httpx
from sqlalchemy import select

from credit.models import AuditEvent, OutboxEvent, Subject

ID_A = "11010519491231002X"
MASKED = "110105********002X"
UNIT, HOLDER = "91440300000000001H", "91440300000000003P"


async def list_handler(client, headers, **extra):
    response = await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "handler", "key": ID_A}, "reason": "forged ID",
        "evidence": "file 3", **extra})
    return response


async def test_handler_is_shown_by_subject_id_and_masked_id_number(client, headers):
    body = (await list_handler(client, headers)).json()
    assert body["subject"]["id_number"] == MASKED
    assert body["subject"]["key"] == body["subject"]["subject_id"]
    assert ID_A not in json.dumps(body)


async def test_handler_record_is_reached_by_subject_id(client, headers):
    subject_id = (await list_handler(client, headers)).json()["subject"]["subject_id"]
    response = await client.get(f"/v1/subjects/handler/{subject_id}", headers=headers("auditor"))
    assert response.json()["blacklisted"] is True
    assert response.json()["subject"]["id_number"] == MASKED


async def test_an_id_number_in_the_url_is_404_without_echo(client, headers):
    await list_handler(client, headers)
    response = await client.get(f"/v1/subjects/handler/{ID_A}", headers=headers("auditor"))
    assert response.status_code == 404
    assert ID_A not in response.text


async def test_an_id_number_in_the_url_is_not_echoed_by_auth_errors(client):
    response = await client.get(f"/v1/subjects/handler/{ID_A}")
    assert response.status_code == 401
    assert ID_A not in response.text


async def test_id_number_is_stored_encrypted_with_a_blind_index(db_session, client, headers,
                                                                index):
    await list_handler(client, headers)
    subject = await db_session.scalar(select(Subject))
    assert subject.lookup_key == index(ID_A)
    assert ID_A not in subject.id_number_enc


async def test_an_index_only_handler_gets_its_id_number_when_later_seen(
        client, headers, registry, index, trace_body, db_session):
    registry(lambda request: httpx.Response(200, json=trace_body(
        "106901234567", holder=HOLDER, user_unit=UNIT, handler_index=index(ID_A))))
    await client.post("/v1/fraud-cases", headers=headers("enforcement"), json={
        "number": "106901234567", "occurred_at": "2026-10-01T00:00:00Z", "case_ref": "C-7"})
    await client.post("/v1/credit-events", headers=headers("enforcement"), json={
        "subject": {"kind": "handler", "key": ID_A}, "type": "spam_complaint",
        "occurred_at": "2026-10-02T00:00:00Z", "evidence": "e"})
    handlers = (await db_session.execute(
        select(Subject).where(Subject.kind == "handler"))).scalars().all()
    assert len(handlers) == 1
    assert handlers[0].id_number_enc is not None


async def test_an_id_number_with_a_wrong_check_digit_is_422_without_echo(client, headers):
    wrong = "110105194912310021"
    response = await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "handler", "key": wrong}, "reason": "r", "evidence": "e"})
    assert response.status_code == 422
    assert wrong not in response.text


async def test_an_id_number_typed_into_free_text_is_masked(client, headers):
    body = (await list_handler(client, headers, reason=f"uses ID {ID_A} of a relative")).json()
    assert body["reason"] == f"uses ID {MASKED} of a relative"


async def test_no_unmasked_id_number_in_responses_logs_audit_or_outbox(
        client, headers, db_session, caplog):
    caplog.set_level(logging.DEBUG)
    texts = [(await list_handler(client, headers)).text]
    entry_id = json.loads(texts[0])["id"]
    subject_id = json.loads(texts[0])["subject"]["subject_id"]
    texts.append((await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "handler", "key": ID_A}]})).text)
    texts.append((await client.get(f"/v1/subjects/handler/{subject_id}",
                                   headers=headers("auditor"))).text)
    texts.append((await client.get("/v1/blacklist", headers=headers("auditor"))).text)
    texts.append((await client.post(f"/v1/blacklist/{entry_id}/lift", json={"reason": ID_A},
                                    headers=headers("hq_admin"))).text)
    texts.append((await client.get("/v1/audit-events", headers=headers("auditor"))).text)
    audit = (await db_session.execute(select(AuditEvent.data))).scalars().all()
    outbox = (await db_session.execute(select(OutboxEvent.payload))).scalars().all()
    everything = "".join(texts) + caplog.text + json.dumps(audit) + json.dumps(outbox)
    assert MASKED in everything
    assert ID_A not in everything


async def test_an_unknown_subject_kind_is_404(client, headers):
    response = await client.get(f"/v1/subjects/person/{UNIT}", headers=headers("auditor"))
    assert response.status_code == 404


async def test_phones_in_any_spelling_are_masked_in_evidence_and_reasons(client, headers):
    response = await list_handler(client, headers, evidence="举报人 +86 139 6769 2564",
                                  reason="经办人 0086-13967692564")
    body = response.json()
    assert (body["evidence"], body["reason"]) == ("举报人 139****2564", "经办人 139****2564")
