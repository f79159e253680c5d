"""Holders and user units, keyed by USCC."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import check_uscc
from registry.models import Organization
from registry.schemas.organizations import OrganizationCreate, OrganizationUpdate
from registry.service.combing import announce_combing_candidate
from registry.service.scope import ensure_own_province, keyset_page, visible_row
from registry.service.versions import apply_changes, check_if_match, record_version

ENTITY = "organization"


def snapshot(org: Organization) -> dict[str, Any]:
    return {"uscc": org.uscc, "name": org.name, "province": org.province,
            "roles": list(org.roles), "contact": org.contact, "uscc_review": org.uscc_review,
            "public_service": org.public_service}


async def _record(session: AsyncSession, org: Organization, actor: Principal,
                  changed: list[str], action: str) -> None:
    await record_version(session, entity=ENTITY, key=org.uscc, version=org.version,
                         actor=actor.sub, snapshot=snapshot(org), changed=changed,
                         province=org.province, action=action,
                         at=org.updated_at)


async def create_organization(session: AsyncSession, *, data: OrganizationCreate,
                              actor: Principal) -> Organization:
    ensure_own_province(actor, data.province)
    if await session.get(Organization, data.uscc) is not None:
        raise Conflict("An organization with this USCC is registered already.")
    now = utcnow()
    org = Organization(uscc=data.uscc, name=data.name, province=data.province,
                       roles=sorted(set(data.roles)), contact=data.contact,
                       public_service=data.public_service,
                       uscc_review=check_uscc(data.uscc).needs_review, version=1,
                       created_at=now, updated_at=now)
    session.add(org)
    await session.flush()
    await _record(session, org, actor, sorted(snapshot(org)), "organization.created")
    await announce_combing_candidate(session, org)
    return org


async def get_organization(session: AsyncSession, *, uscc: str, actor: Principal,
                           for_update: bool = False) -> Organization:
    """`for_update`: see `scope.visible_row`."""
    return await visible_row(session, Organization, uscc.strip().upper(), actor=actor,
                             what="organization", for_update=for_update)


async def update_organization(session: AsyncSession, *, uscc: str, data: OrganizationUpdate,
                              if_match: str | None, actor: Principal) -> Organization:
    org = await get_organization(session, uscc=uscc, actor=actor, for_update=True)
    check_if_match(if_match, org.version)
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    if "public_service" in data.model_fields_set:  # null withdraws it from combing
        values["public_service"] = data.public_service
    if "roles" in values:
        values["roles"] = sorted(set(values["roles"]))
    if "province" in values:
        ensure_own_province(actor, values["province"])
    changed = apply_changes(org, values)
    if changed:
        org.version += 1
        org.updated_at = utcnow()
        await session.flush()
        await _record(session, org, actor, changed, "organization.updated")
        if {"public_service", "province"} & set(changed):
            await announce_combing_candidate(session, org)
    return org


async def list_organizations(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    province: str | None = None, max_limit: int = 500,
) -> tuple[list[Organization], str | None]:
    return await keyset_page(session, Organization, key="uscc", actor=actor,
                             filters={"province": province}, cursor=cursor, limit=limit,
                             max_limit=max_limit)
