"""Sanctions pushed by credit, applied exactly as listed: `restrict_business` stores a
restriction (screening refuses new ports, sub-ports and activations); `suspend_cooperation`
suspends the subject's active sub-ports, except whitelisted ones, which go to a person for
review. What was done is reported back to credit (`sanction.outcome`), so the blacklist entry
shows every sub-port it touched."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Unprocessable
from porttrust_shared.outbox import enqueue
from porttrust_shared.pagination import Keyset
from porttrust_shared.tokens import Principal
from registry.models import (
    AuditEvent,
    Handler,
    OutboxEvent,
    Port,
    Restriction,
    SanctionReview,
    SubPort,
)
from registry.schemas.ports import SanctionDecision
from registry.service.lifecycle import set_status
from registry.service.scope import open_review

ACTOR = "credit"
KINDS = ("holder", "user_unit", "handler")
SANCTIONS = ("suspend_cooperation", "restrict_business")


def subject_key(subject: dict[str, Any]) -> tuple[str, str]:
    """(kind, local key): USCC for organisations, the ID number's blind index for handlers."""
    kind = str(subject["kind"])
    if kind not in KINDS:
        raise Unprocessable("sanction subject kind must be holder, user_unit or handler")
    key = subject.get("id_number_index") if kind == "handler" else subject.get("key")
    if not key:
        raise Unprocessable("sanction subject names no key")
    return kind, str(key).strip() if kind == "handler" else str(key).strip().upper()


def _sanctions(payload: dict[str, Any]) -> list[str]:
    """The kinds listed; none named means both (an older credit sent no list)."""
    named = payload.get("sanctions")
    kinds = [str(s) for s in named] if named else list(SANCTIONS)
    if not set(kinds) <= set(SANCTIONS):
        raise Unprocessable("sanctions must be suspend_cooperation and/or restrict_business")
    return kinds


async def _active_sub_ports(session: AsyncSession, kind: str, key: str) -> list[SubPort]:
    query = select(SubPort).where(SubPort.status == "active")
    if kind == "holder":
        held = select(Port.number).where(Port.holder_uscc == key)
        query = query.where(SubPort.port_number.in_(held))
    elif kind == "user_unit":
        query = query.where(SubPort.user_unit_uscc == key)
    else:
        people = select(Handler.id).where(Handler.id_number_index == key)
        query = query.where(SubPort.handler_id.in_(people))
    return list((await session.execute(query.order_by(SubPort.number))).scalars().all())


async def report_outcome(session: AsyncSession, blacklist_id: str,
                         touched: list[tuple[str, str]]) -> None:
    """Tell credit what was done to which sub-port under this blacklist entry."""
    if not touched:
        return
    at = utcnow().isoformat()
    await enqueue(session, OutboxEvent, destination="credit", topic="sanction.outcome",
                  payload={"blacklist_id": blacklist_id,
                           "sub_ports": [{"number": number, "action": action, "at": at}
                                         for number, action in touched]})


async def sanction_applied(session: AsyncSession, payload: dict[str, Any]) -> None:
    kind, key = subject_key(payload["subject"])
    sanctions = _sanctions(payload)
    reason = str(payload.get("reason") or "sanction")[:480]
    blacklist_id = str(payload["blacklist_id"])
    session.add(Restriction(blacklist_id=blacklist_id, subject_kind=kind, subject_key=key,
                            sanctions=sanctions, reason=reason,
                            case_ref=payload.get("case_ref"), created_at=utcnow()))
    touched: list[tuple[str, str]] = []
    if "suspend_cooperation" in sanctions:
        for sub in await _active_sub_ports(session, kind, key):
            touched.append((sub.number, await _suspend_or_queue(
                session, sub, blacklist_id=blacklist_id, kind=kind, reason=reason)))
    await session.flush()
    await report_outcome(session, blacklist_id, touched)


async def _suspend_or_queue(session: AsyncSession, sub: SubPort, *, blacklist_id: str,
                            kind: str, reason: str) -> str:
    if sub.whitelisted:
        session.add(SanctionReview(sub_port_number=sub.number, province=sub.province,
                                   blacklist_id=blacklist_id, subject_kind=kind,
                                   reason=reason, status="open", created_at=utcnow()))
        return "spared_whitelisted"
    await set_status(session, sub, status="suspended", reason=f"sanction: {reason}",
                     actor=ACTOR)
    return "suspended"


async def sanction_lifted(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The restriction ends; suspended sub-ports stay suspended until a person resumes them."""
    rows = (await session.execute(select(Restriction).where(
        Restriction.blacklist_id == str(payload["blacklist_id"]),
        Restriction.lifted_at.is_(None)))).scalars().all()
    for row in rows:
        row.lifted_at = utcnow()
    await session.flush()


async def decide_review(session: AsyncSession, *, review_id: int, data: SanctionDecision,
                        actor: Principal) -> SanctionReview:
    """A person decides on a whitelisted sub-port a sanction spared: keep it active, or
    suspend it after all. Audited, and reported back to credit."""
    review = await open_review(session, SanctionReview, review_id, actor=actor,
                               what="sanction review")
    review.status, review.decision, review.decision_reason = "decided", data.decision, data.reason
    review.decided_by, review.decided_at = actor.sub, utcnow()
    action = "kept_active"
    sub = await session.get(SubPort, review.sub_port_number)
    if data.decision == "suspend" and sub is not None and sub.status == "active":
        await set_status(session, sub, status="suspended", actor=actor.sub,
                         reason=f"sanction review {review.id}: {data.reason}"[:480])
        action = "suspended_after_review"
    await session.flush()
    await append_audit(session, AuditEvent, actor=actor.sub, action="sanction_review.decided",
                       entity="sanction_review", entity_id=str(review.id),
                       province=review.province,
                       data={"sub_port": review.sub_port_number, "decision": data.decision,
                             "reason": data.reason, "blacklist_id": review.blacklist_id})
    await report_outcome(session, review.blacklist_id, [(review.sub_port_number, action)])
    return review


async def list_reviews(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    status: str | None = None, max_limit: int = 500,
) -> tuple[list[SanctionReview], str | None]:
    query = select(SanctionReview)
    if actor.province_scope is not None:
        query = query.where(SanctionReview.province == actor.province_scope)
    if status is not None:
        query = query.where(SanctionReview.status == status)
    return await Keyset(SanctionReview.id).page(session, query, cursor=cursor, limit=limit,
                                                max_limit=max_limit)
