"""Sanctions pushed by credit: suspend the subject's active sub-ports (whitelisted ones go to
a person for review) and refuse new ports and sub-ports for the subject."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import Unprocessable
from porttrust_shared.pagination import clamp_limit, page_of
from porttrust_shared.tokens import Principal
from registry.models import Handler, Port, Restriction, SanctionReview, SubPort
from registry.service.common import int_after
from registry.service.lifecycle import set_status

ACTOR = "credit"
KINDS = ("holder", "user_unit", "handler")


def subject_key(subject: dict[str, Any]) -> tuple[str, str]:
    """(kind, local key): USCC for organisations, the ID number's blind index for handlers."""
    kind = str(subject["kind"])
    if kind not in KINDS:
        raise Unprocessable("sanction subject kind must be holder, user_unit or handler")
    key = subject.get("id_number_index") if kind == "handler" else subject.get("key")
    if not key:
        raise Unprocessable("sanction subject names no key")
    return kind, str(key).strip() if kind == "handler" else str(key).strip().upper()


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


async def sanction_applied(session: AsyncSession, payload: dict[str, Any]) -> None:
    kind, key = subject_key(payload["subject"])
    sanctions = [str(s) for s in payload.get("sanctions") or ["suspend_cooperation"]]
    reason = str(payload.get("reason") or "sanction")[:480]
    blacklist_id = str(payload["blacklist_id"])
    session.add(Restriction(blacklist_id=blacklist_id, subject_kind=kind, subject_key=key,
                            sanctions=sanctions, reason=reason,
                            case_ref=payload.get("case_ref"), created_at=utcnow()))
    if "suspend_cooperation" not in sanctions:
        await session.flush()
        return
    for sub in await _active_sub_ports(session, kind, key):
        if sub.whitelisted:
            session.add(SanctionReview(sub_port_number=sub.number, province=sub.province,
                                       blacklist_id=blacklist_id, subject_kind=kind,
                                       reason=reason, created_at=utcnow()))
        else:
            await set_status(session, sub, status="suspended", reason=f"sanction: {reason}",
                             actor=ACTOR)
    await session.flush()


async def sanction_lifted(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The restriction ends; suspended sub-ports stay suspended until a person resumes them."""
    rows = (await session.execute(select(Restriction).where(
        Restriction.blacklist_id == str(payload["blacklist_id"]),
        Restriction.lifted_at.is_(None)))).scalars().all()
    for row in rows:
        row.lifted_at = utcnow()
    await session.flush()


async def list_reviews(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    max_limit: int = 500,
) -> tuple[list[SanctionReview], str | None]:
    size = clamp_limit(limit, max_limit)
    query = select(SanctionReview).order_by(SanctionReview.id)
    if actor.province_scope is not None:
        query = query.where(SanctionReview.province == actor.province_scope)
    after = int_after(cursor)
    if after is not None:
        query = query.where(SanctionReview.id > after)
    rows = list((await session.execute(query.limit(size + 1))).scalars().all())
    return page_of(rows, size, lambda r: [r.id])
