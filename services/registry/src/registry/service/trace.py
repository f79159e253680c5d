"""Who held, used and handled a number at a past moment, read from the version history."""

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.errors import NotFound
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, EntityVersion, SubPort
from registry.service.scope import visible
from registry.service.sub_ports import ENTITY as SUB_PORT
from registry.service.sub_ports import snapshot

SEES_INDEX = ("service", "enforcement")
SUB_PORT_FIELDS = ("number", "status", "business_type", "purpose", "machine_room",
                   "equipment", "province", "whitelisted")


async def state_at(session: AsyncSession, entity: str, key: str | None,
                   at: dt.datetime) -> dict[str, Any] | None:
    if not key:
        return None
    query = (select(EntityVersion.snapshot)
             .where(EntityVersion.entity == entity, EntityVersion.key == key,
                    EntityVersion.at <= at)
             .order_by(EntityVersion.version.desc()).limit(1))
    found: dict[str, Any] | None = (await session.execute(query)).scalar_one_or_none()
    if found is None and entity == SUB_PORT:
        return (await _unversioned_at(session, [key], at)).get(key)
    return found


async def _unversioned_at(session: AsyncSession, numbers: list[str],
                          at: dt.datetime) -> dict[str, dict[str, Any]]:
    """Sub-ports never changed since creation keep no version row: the current row is their
    version 1, valid from its `updated_at` (its creation)."""
    has_versions = (select(EntityVersion.id)
                    .where(EntityVersion.entity == SUB_PORT, EntityVersion.key == SubPort.number)
                    .exists())
    query = select(SubPort).where(SubPort.number.in_(numbers), SubPort.version == 1,
                                  SubPort.updated_at <= at, ~has_versions)
    return {sub.number: snapshot(sub) for sub in (await session.execute(query)).scalars()}


async def longest_at(session: AsyncSession, entity: str, number: str,
                     at: dt.datetime) -> dict[str, Any] | None:
    """The state at `at` of the longest registered prefix of `number` that was not cancelled:
    a sender may append digits to its sub-port, and an unregistered extension is the port's."""
    prefixes = [number[:n] for n in range(8, len(number) + 1)]
    query = (select(EntityVersion.key, EntityVersion.snapshot)
             .where(EntityVersion.entity == entity, EntityVersion.key.in_(prefixes),
                    EntityVersion.at <= at)
             .order_by(func.length(EntityVersion.key).desc(), EntityVersion.version.desc()))
    states: dict[str, dict[str, Any]] = {}
    for key, state in (await session.execute(query)).all():
        states.setdefault(key, state)
    if entity == SUB_PORT:
        states.update(await _unversioned_at(session, prefixes, at))
    for key in sorted(states, key=len, reverse=True):
        if states[key].get("status") != "cancelled":
            return states[key]
    return None


async def _org(session: AsyncSession, uscc: str | None, at: dt.datetime,
               actor: Principal | None = None) -> dict[str, Any] | None:
    """The organisation's USCC and name then. With `actor`, another province's organisation
    (a user unit named before province checks existed) is shown without its name."""
    state = await state_at(session, "organization", uscc, at)
    if uscc is None:
        return None
    named = state is not None and (actor is None or visible(actor, state.get("province")))
    return {"uscc": uscc, "name": state["name"] if state and named else None}


async def _handler(session: AsyncSession, handler_id: str | None, at: dt.datetime,
                   actor: Principal) -> dict[str, Any] | None:
    state = await state_at(session, "handler", handler_id, at)
    if state is None:
        return None
    shown = {k: state.get(k) for k in ("id", "name", "id_number", "phone")}
    if actor.has_any(*SEES_INDEX):
        shown["id_number_index"] = state.get("id_number_index")
    return shown


async def trace_number(session: AsyncSession, *, number: str, at: dt.datetime,
                       actor: Principal) -> dict[str, Any]:
    sub = await longest_at(session, "sub_port", number, at)
    if sub is not None:
        port = await state_at(session, "port", sub["port_number"], at)
    else:
        port = await longest_at(session, "port", number, at)
    province = sub["province"] if sub else port["province"] if port else None
    if port is None or not visible(actor, province):
        raise NotFound("The number was not registered at that moment.")
    await append_audit(session, AuditEvent, actor=actor.sub, action="trace.queried",
                       entity="trace", entity_id=number, province=province,
                       data={"at": at.isoformat(), "matched_sub_port": bool(sub)})
    return {
        "number": number, "at": at, "matched": "sub_port" if sub else "port",
        "sub_port": {k: sub.get(k) for k in SUB_PORT_FIELDS} if sub else None,
        "port": {k: port.get(k) for k in ("number", "scope", "province")},
        "holder": await _org(session, port["holder_uscc"], at),
        # The holder is shown to every province its port serves: HQ's registration of the
        # port is the grant. A user unit only when the caller may see it.
        "user_unit": await _org(session, sub.get("user_unit_uscc") if sub else None, at,
                                actor),
        "handler": await _handler(session, sub.get("handler_id") if sub else None, at, actor),
    }
