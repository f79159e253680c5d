"""Inaccurate records (核查不准确): a field of a sub-port found wrong on checking keeps the
record incomplete (`accurate:<field>`) while the field still holds the value found wrong. A
change of the field, by PATCH or import, ends the flag by itself; otherwise a different person
than the one who flagged it clears it."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, get_args

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, Forbidden, Unprocessable
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, Inaccuracy, SubPort
from registry.schemas.records import FlaggableField, InaccuracyIn, InaccuracyRead
from registry.service.scope import ensure_visible

FIELDS: tuple[str, ...] = get_args(FlaggableField)
PREFIX = "accurate:"


def _holds(flag: Inaccuracy, sub: Any) -> bool:
    return flag.cleared_at is None and getattr(sub, flag.field) == flag.value


def flagged_sql() -> ColumnElement[bool]:
    """SQL, over SubPort: some open flag's field still holds the value found wrong."""
    same = or_(*(and_(Inaccuracy.field == f, Inaccuracy.value == getattr(SubPort, f))
                 for f in FIELDS))
    return exists(select(Inaccuracy.id).where(Inaccuracy.sub_port_number == SubPort.number,
                                              Inaccuracy.cleared_at.is_(None), same))


async def inaccurate_fields(session: AsyncSession, subs: Iterable[Any]) -> dict[str, set[str]]:
    """Per sub-port number: the fields flagged wrong that still hold the flagged value."""
    by_number = {sub.number: sub for sub in subs}
    if not by_number:
        return {}
    with session.no_autoflush:
        flags = (await session.execute(select(Inaccuracy).where(
            Inaccuracy.sub_port_number.in_(by_number), Inaccuracy.cleared_at.is_(None))))
    out: dict[str, set[str]] = defaultdict(set)
    for flag in flags.scalars():
        if _holds(flag, by_number[flag.sub_port_number]):
            out[flag.sub_port_number].add(flag.field)
    return dict(out)


def to_read(flag: Inaccuracy, sub: SubPort | None) -> InaccuracyRead:
    state = ("cleared" if flag.cleared_at else
             "open" if sub is not None and _holds(flag, sub) else "corrected")
    return InaccuracyRead(id=flag.id, sub_port=flag.sub_port_number, province=flag.province,
                          field=flag.field, reason=flag.reason, state=state,
                          flagged_by=flag.flagged_by, flagged_at=flag.flagged_at,
                          cleared_by=flag.cleared_by, cleared_at=flag.cleared_at,
                          clear_reason=flag.clear_reason)


async def _audit(session: AsyncSession, flag: Inaccuracy, actor: str, action: str) -> None:
    await append_audit(session, AuditEvent, actor=actor, action=action, entity="sub_port",
                       entity_id=flag.sub_port_number, province=flag.province,
                       data={"inaccuracy": flag.id, "field": flag.field})


async def flag_inaccuracy(session: AsyncSession, *, number: str, data: InaccuracyIn,
                          actor: Principal) -> tuple[Inaccuracy, SubPort]:
    sub = await session.get(SubPort, number.strip())
    sub = ensure_visible(actor, sub, sub.province if sub else None, "sub-port")
    value = getattr(sub, data.field)
    if not value:
        raise Unprocessable("The field is empty: the record already lacks it.",
                            code="field_blank")
    flag = Inaccuracy(sub_port_number=sub.number, province=sub.province, field=data.field,
                      value=value, reason=data.reason, flagged_by=actor.sub,
                      flagged_person=actor.person, flagged_at=utcnow())
    session.add(flag)
    await session.flush()
    await _audit(session, flag, actor.sub, "sub_port.inaccuracy_flagged")
    return flag, sub


async def clear_inaccuracy(session: AsyncSession, *, flag_id: str, reason: str,
                           actor: Principal) -> tuple[Inaccuracy, SubPort | None]:
    """A second person's word that the data is right after all (four-eyes)."""
    flag = await session.get(Inaccuracy, flag_id, with_for_update=True)  # one clear wins
    flag = ensure_visible(actor, flag, flag.province if flag else None, "inaccuracy")
    if actor.sub == flag.flagged_by or actor.person in (flag.flagged_by, flag.flagged_person):
        raise Forbidden("The person who flagged the data cannot clear it; another must.",
                        code="same_person")
    if flag.cleared_at is not None:
        raise Conflict("This flag is cleared already.", code="already_cleared")
    flag.cleared_by, flag.cleared_at, flag.clear_reason = actor.sub, utcnow(), reason
    await session.flush()
    await _audit(session, flag, actor.sub, "sub_port.inaccuracy_cleared")
    return flag, await session.get(SubPort, flag.sub_port_number)


async def list_inaccuracies(session: AsyncSession, *, number: str,
                            actor: Principal) -> list[InaccuracyRead]:
    """Every flag of one sub-port, oldest first, with its state now."""
    sub = await session.get(SubPort, number.strip())
    sub = ensure_visible(actor, sub, sub.province if sub else None, "sub-port")
    flags = await session.execute(select(Inaccuracy).where(
        Inaccuracy.sub_port_number == sub.number).order_by(Inaccuracy.flagged_at))
    return [to_read(flag, sub) for flag in flags.scalars()]
