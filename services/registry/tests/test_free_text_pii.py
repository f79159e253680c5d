"""Phones and ID numbers written into free text leave registry masked, and are masked in the
version snapshots, the audit chain and the events registry keeps (issue 9, item 6)."""

import datetime as dt

from sqlalchemy import select

from porttrust_shared.db import utcnow
from registry.models import AuditEvent, Complaint, EntityVersion, OutboxEvent

PHONE, ID_NUMBER = "+86 139 6769 2564", "34052419800101001X"
WRITTEN = f"联系人电话{PHONE}，身份证{ID_NUMBER}"
MASKED = "联系人电话139****2564，身份证340524********001X"


def _clear(text: str) -> bool:
    return "6769" in text or ID_NUMBER in text


async def test_sub_port_free_text_is_masked_in_answers_snapshots_and_audit(
        reg, client, headers, db_session):
    await reg.port()
    sub = await reg.sub_port(purpose=WRITTEN, machine_room="机房 0086-13967692564",
                             equipment="设备 139-6769-2564")
    assert (sub["purpose"], sub["machine_room"], sub["equipment"]) == (
        MASKED, "机房 139****2564", "设备 139****2564")
    read = await client.get("/v1/sub-ports/106901234567", headers=headers("hq_admin"))
    versions = await client.get("/v1/sub-ports/106901234567/versions",
                                headers=headers("hq_admin"))
    exported = await client.get("/v1/sub-ports/export", headers=headers("hq_admin"))
    stored = (await db_session.execute(select(EntityVersion.snapshot, AuditEvent.data).join(
        AuditEvent, AuditEvent.entity_id == EntityVersion.key))).all()
    assert not any(_clear(t) for t in (read.text, versions.text, exported.text, str(stored)))
    assert MASKED in read.text


async def test_organization_contact_is_masked(reg):
    org = await reg.org(contact=f"王经理 {PHONE}")
    assert org["contact"] == "王经理 139****2564"


async def test_template_text_is_masked_on_the_way_out(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    text = "【某银行】您的验证码是{code:digits:6}，客服13967692564。"
    template = await reg.approved_template("106901234567", text)
    listed = await client.get("/v1/sub-ports/106901234567/templates",
                              headers=headers("hq_admin"))
    assert "客服139****2564" in template["text"]
    assert "6769" not in listed.text


async def test_complaint_content_is_stored_encrypted_and_shown_masked(
        reg, client, headers, db_session):
    await reg.port()
    await reg.complete_sub_port()
    body = {"number": "106901234567", "reporter": "13912345678", "content": WRITTEN,
            "received_at": (utcnow() + dt.timedelta(seconds=1)).isoformat()}
    created = await client.post("/v1/complaints", json=body, headers=headers("gateway"))
    row = (await db_session.execute(select(Complaint))).scalar_one()
    shown = await client.get(f"/v1/complaints/{row.id}", headers=headers("hq_admin"))
    events = (await db_session.execute(select(OutboxEvent.payload))).scalars().all()
    assert created.status_code == 201
    assert row.content.startswith("v1.") and not _clear(row.content)
    assert shown.json()["content"] == MASKED
    assert events and not any(_clear(str(e)) for e in events)
