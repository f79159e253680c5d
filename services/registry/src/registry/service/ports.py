"""Ports: 106 base codes allocated to holders, with the holder's supplementary agreement."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, Forbidden
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import port_class
from registry.clients import BlacklistChecker
from registry.models import Port, SubPort
from registry.schemas.ports import PortCreate, PortRead, PortUpdate
from registry.service.agreements import record_port_agreement
from registry.service.scope import (
    ensure_own_province,
    keyset_page,
    nameable_organization,
    visible_row,
)
from registry.service.screening import organization_party, screen
from registry.service.versions import apply_changes, check_if_match, record_version

ENTITY = "port"
MIN_PORT_LEN = 8  # "106" and at least five digits


def snapshot(port: Port) -> dict[str, Any]:
    signed = port.agreement_signed_at.isoformat() if port.agreement_signed_at else None
    return {"number": port.number, "holder_uscc": port.holder_uscc, "province": port.province,
            "scope": port.scope, "agreement_signed_at": signed,
            "resource_certificate_ref": port.resource_certificate_ref}


def to_read(port: Port) -> PortRead:
    return PortRead(number=port.number, holder_uscc=port.holder_uscc, province=port.province,
                    scope=port.scope, port_class=port_class(port.number).value,
                    agreement_signed=port.agreement_signed_at is not None,
                    agreement_signed_at=port.agreement_signed_at,
                    resource_certificate_ref=port.resource_certificate_ref,
                    version=port.version, created_at=port.created_at)


async def register_port(session: AsyncSession, *, data: PortCreate, actor: Principal,
                        credit: BlacklistChecker) -> Port:
    ensure_own_province(actor, data.province)
    if data.scope == "national" and actor.province_scope is not None:
        raise Forbidden("National ports are registered by HQ.")
    await nameable_organization(session, actor, data.holder_uscc, "holder_uscc")
    if await session.get(Port, data.number) is not None:
        raise Conflict("This port is registered already.")
    await screen(session, parties=[organization_party("holder", data.holder_uscc)],
                 credit=credit)
    now = utcnow()
    port = Port(**data.model_dump(), version=1, created_at=now, updated_at=now)
    session.add(port)
    await session.flush()
    await record_version(session, entity=ENTITY, key=port.number, version=1, actor=actor.sub,
                         snapshot=snapshot(port), changed=sorted(snapshot(port)),
                         province=port.province, action="port.registered",
                         at=port.updated_at)
    await record_port_agreement(session, port=port, actor=actor.sub)
    return port


async def get_port(session: AsyncSession, *, number: str, actor: Principal,
                   for_update: bool = False) -> Port:
    """`for_update`: see `scope.visible_row`."""
    return await visible_row(session, Port, number.strip(), actor=actor, what="port",
                             for_update=for_update)


async def update_port(session: AsyncSession, *, number: str, data: PortUpdate,
                      if_match: str | None, actor: Principal) -> Port:
    """Keep scope and resource certificate current; versioned and audited like sub-ports."""
    port = await get_port(session, number=number, actor=actor, for_update=True)
    check_if_match(if_match, port.version)
    values = data.model_dump(exclude_none=True)
    if values.get("scope") == "national" and actor.province_scope is not None:
        raise Forbidden("Only HQ makes a port national.")
    if values.get("scope") == "provincial" and port.scope != "provincial":
        await _ensure_in_province(session, port)
    changed = apply_changes(port, values)
    if changed:
        port.version += 1
        port.updated_at = utcnow()
        await session.flush()
        await record_version(session, entity=ENTITY, key=port.number, version=port.version,
                             actor=actor.sub, snapshot=snapshot(port), changed=changed,
                             province=port.province, action="port.updated",
                             at=port.updated_at)
    return port


async def _ensure_in_province(session: AsyncSession, port: Port) -> None:
    """A provincial port's sub-ports stay in its province: none may be elsewhere already."""
    elsewhere = await session.execute(select(SubPort.number).where(
        SubPort.port_number == port.number, SubPort.province != port.province,
        SubPort.status != "cancelled").limit(1))
    if elsewhere.first() is not None:
        raise Conflict("Sub-ports of this port live in other provinces; it stays national.",
                       code="sub_ports_elsewhere")


async def port_for(session: AsyncSession, number: str) -> Port | None:
    """The registered port `number` extends: the longest matching prefix."""
    prefixes = [number[:n] for n in range(MIN_PORT_LEN, len(number) + 1)]
    query = (select(Port).where(Port.number.in_(prefixes))
             .order_by(func.length(Port.number).desc()).limit(1))
    return (await session.execute(query)).scalar_one_or_none()


async def list_ports(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    province: str | None = None, holder_uscc: str | None = None, max_limit: int = 500,
) -> tuple[list[Port], str | None]:
    uscc = holder_uscc.strip().upper() if holder_uscc else None
    return await keyset_page(session, Port, key="number", actor=actor,
                             filters={"province": province, "holder_uscc": uscc},
                             cursor=cursor, limit=limit, max_limit=max_limit)
