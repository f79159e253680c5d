"""Violations registry detects itself and reports to credit through the outbox."""

from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, Organization, OutboxEvent, Port, SubPort


async def report_mixed_use(session: AsyncSession, *, sub: SubPort, attempted_uscc: str,
                           actor: Principal) -> None:
    """A second user unit tried to use a sub-port (R3, R4): one credit event per subject.

    The caller answers 409 without raising, so this record is committed with the refusal.
    """
    port = await session.get(Port, sub.port_number)
    subjects = [("user_unit", attempted_uscc)]
    holder = await session.get(Organization, port.holder_uscc) if port is not None else None
    # A province-bound caller reports only its own province's holder (README: organisations
    # across provinces): the holder of a national port held elsewhere is not its to accuse.
    if holder is not None and actor.province_scope in (None, holder.province):
        subjects.insert(0, ("holder", holder.uscc))
    evidence = {"sub_port": sub.number, "registered_user_unit": sub.user_unit_uscc,
                "attempted_user_unit": attempted_uscc}
    now = utcnow().isoformat()
    for kind, key in subjects:
        await enqueue(session, OutboxEvent, destination="credit", topic="credit_event.reported",
                      payload={"subject": {"kind": kind, "key": key},
                               "type": "mixed_sub_port_use", "occurred_at": now,
                               "evidence": evidence,
                               "source_ref": f"registry:mixed-use:{sub.number}:{now}"})
    await append_audit(session, AuditEvent, actor=actor.sub, action="sub_port.mixed_use_refused",
                       entity="sub_port", entity_id=sub.number, province=sub.province,
                       data=evidence)
