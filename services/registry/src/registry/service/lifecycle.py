"""registered → active ⇄ suspended → cancelled; every step kept with reason, actor, time."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal
from registry.clients import BlacklistChecker
from registry.errors import Incomplete, InvalidTransition
from registry.models import Handler, Port, SubPort, SubPortTransition
from registry.service.screening import handler_party, organization_party, screen
from registry.service.sub_ports import get_sub_port, missing_for, record_sub_port

STEPS: dict[str, tuple[frozenset[str], str]] = {
    "activate": (frozenset({"registered"}), "active"),
    "suspend": (frozenset({"active"}), "suspended"),
    "resume": (frozenset({"suspended"}), "active"),
    "cancel": (frozenset({"registered", "active", "suspended"}), "cancelled"),
}


async def set_status(session: AsyncSession, sub: SubPort, *, status: str, reason: str,
                     actor: str) -> None:
    session.add(SubPortTransition(sub_port_number=sub.number, from_status=sub.status,
                                  to_status=status, reason=reason, actor=actor, at=utcnow()))
    sub.status, sub.status_reason = status, reason
    await record_sub_port(session, sub, actor, ["status"], f"sub_port.{status}")


async def ensure_activatable(session: AsyncSession, sub: SubPort, *, credit: BlacklistChecker,
                             cipher: PiiCipher) -> None:
    """Complete record, verified handler, nobody blacklisted (R1, R7)."""
    missing = await missing_for(session, sub)
    if missing:
        raise Incomplete(missing)
    handler = await session.get(Handler, sub.handler_id) if sub.handler_id else None
    assert handler is not None and sub.user_unit_uscc is not None
    port = await session.get(Port, sub.port_number)
    parties = [organization_party("user_unit", sub.user_unit_uscc),
               handler_party(handler, cipher)]
    if port is not None:
        parties.insert(0, organization_party("holder", port.holder_uscc))
    await screen(session, parties=parties, credit=credit, purpose="activate")


async def change_status(session: AsyncSession, *, number: str, action: str, reason: str,
                        actor: Principal, credit: BlacklistChecker,
                        cipher: PiiCipher) -> SubPort:
    sub = await get_sub_port(session, number=number, actor=actor, for_update=True)
    allowed, target = STEPS[action]
    if sub.status not in allowed:
        raise InvalidTransition(sub.status, action)
    if target == "active":
        await ensure_activatable(session, sub, credit=credit, cipher=cipher)
    await set_status(session, sub, status=target, reason=reason, actor=actor.sub)
    return sub


async def transitions(session: AsyncSession, *, number: str,
                      actor: Principal) -> list[SubPortTransition]:
    sub = await get_sub_port(session, number=number, actor=actor)
    query = (select(SubPortTransition).where(SubPortTransition.sub_port_number == sub.number)
             .order_by(SubPortTransition.id))
    return list((await session.execute(query)).scalars().all())
