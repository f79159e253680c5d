"""Handlers: the people acting for organisations. PII stored encrypted, shown masked."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict
from porttrust_shared.pii import PiiCipher, mask_id_number, mask_name, mask_phone
from porttrust_shared.tokens import Principal
from registry.clients import IdentityVerifier
from registry.models import AuditEvent, Handler
from registry.schemas.organizations import HandlerCreate, HandlerRead, HandlerUpdate, Verification
from registry.service.scope import keyset_page, nameable_organization, visible_row
from registry.service.versions import apply_changes, check_if_match, record_version

ENTITY = "handler"


def masked(handler: Handler, cipher: PiiCipher) -> dict[str, str]:
    return {
        "name": mask_name(cipher.decrypt(handler.name_enc, field="name")),
        "id_number": mask_id_number(cipher.decrypt(handler.id_number_enc, field="id_number")),
        "phone": mask_phone(cipher.decrypt(handler.phone_enc, field="phone")),
    }


def snapshot(handler: Handler, cipher: PiiCipher) -> dict[str, Any]:
    """Masked values plus the blind index, so trace can name the person without the number."""
    return {"id": handler.id, "organization_uscc": handler.organization_uscc,
            "province": handler.province, **masked(handler, cipher),
            "id_number_index": handler.id_number_index,
            "verification_status": handler.verification_status,
            "verified_by": handler.verified_by}


def to_read(handler: Handler, cipher: PiiCipher) -> HandlerRead:
    verification = Verification(status=handler.verification_status,
                                verified_at=handler.verified_at, verifier=handler.verified_by,
                                reason=handler.verification_reason)
    return HandlerRead(id=handler.id, organization_uscc=handler.organization_uscc,
                       province=handler.province, verification=verification,
                       version=handler.version, created_at=handler.created_at,
                       **masked(handler, cipher))


async def _record(session: AsyncSession, handler: Handler, cipher: PiiCipher, actor: str,
                  changed: list[str], action: str) -> None:
    await record_version(session, entity=ENTITY, key=handler.id, version=handler.version,
                         actor=actor, snapshot=snapshot(handler, cipher), changed=changed,
                         province=handler.province, action=action,
                         at=handler.updated_at)


async def create_handler(session: AsyncSession, *, data: HandlerCreate, actor: Principal,
                         cipher: PiiCipher) -> Handler:
    org = await nameable_organization(session, actor, data.organization_uscc,
                                      "organization_uscc")
    index = cipher.blind_index(data.id_number, field="id_number")
    if await _find(session, index=index, organization_uscc=org.uscc) is not None:
        raise Conflict("This person is already a handler of this organization.")
    now = utcnow()
    handler = Handler(
        organization_uscc=org.uscc, province=org.province,
        name_enc=cipher.encrypt(data.name, field="name"),
        id_number_enc=cipher.encrypt(data.id_number, field="id_number"), id_number_index=index,
        phone_enc=cipher.encrypt(data.phone, field="phone"),
        phone_index=cipher.blind_index(data.phone, field="phone"),
        verification_status="unverified", version=1, created_at=now, updated_at=now)
    session.add(handler)
    await session.flush()
    await _record(session, handler, cipher, actor.sub,
                  ["id_number", "name", "organization_uscc", "phone"], "handler.created")
    return handler


async def _find(session: AsyncSession, *, index: str, organization_uscc: str) -> Handler | None:
    query = select(Handler).where(Handler.id_number_index == index,
                                  Handler.organization_uscc == organization_uscc)
    return (await session.execute(query)).scalar_one_or_none()


async def find_handlers(session: AsyncSession, *, id_number: str, actor: Principal,
                        cipher: PiiCipher) -> list[Handler]:
    """Every handler record of one person you can see, found by blind index."""
    index = cipher.blind_index(id_number, field="id_number")
    query = select(Handler).where(Handler.id_number_index == index).order_by(Handler.id)
    if actor.province_scope is not None:
        query = query.where(Handler.province == actor.province_scope)
    return list((await session.execute(query)).scalars().all())


async def get_handler(session: AsyncSession, *, handler_id: str, actor: Principal,
                      for_update: bool = False) -> Handler:
    """`for_update`: see `scope.visible_row`."""
    return await visible_row(session, Handler, handler_id, actor=actor, what="handler",
                             for_update=for_update)


async def view_handlers(session: AsyncSession, handlers: list[Handler],
                        actor: Principal) -> None:
    """Reading personal data is itself audited (R8), even masked."""
    for handler in handlers:
        await append_audit(session, AuditEvent, actor=actor.sub, action="handler.viewed",
                           entity=ENTITY, entity_id=handler.id, province=handler.province)


async def verify_handler(session: AsyncSession, *, handler_id: str, actor: Principal,
                         cipher: PiiCipher, verifier: IdentityVerifier) -> Handler:
    """Ask the identity verifier; store the outcome, when, and which verifier said so."""
    handler = await get_handler(session, handler_id=handler_id, actor=actor, for_update=True)
    result = await verifier.verify(
        name=cipher.decrypt(handler.name_enc, field="name"),
        id_number=cipher.decrypt(handler.id_number_enc, field="id_number"))
    handler.verification_status = "verified" if result.verified else "failed"
    handler.verified_at = handler.updated_at = utcnow()
    handler.verified_by, handler.verification_reason = result.verifier, result.reason
    handler.version += 1
    await session.flush()
    await _record(session, handler, cipher, actor.sub, ["verification"], "handler.verified")
    return handler


# Verification vouches for a name and an ID number together: a change of either undoes it.
REVERIFY = ("name", "id_number")


def _changes(handler: Handler, data: HandlerUpdate, cipher: PiiCipher) -> dict[str, Any]:
    """Encrypted columns for each field sent that differs from what is stored."""
    out: dict[str, Any] = {}
    for field, value in data.model_dump(exclude_none=True).items():
        if cipher.decrypt(getattr(handler, f"{field}_enc"), field=field) == value:
            continue
        out[f"{field}_enc"] = cipher.encrypt(value, field=field)
        if field != "name":
            out[f"{field}_index"] = cipher.blind_index(value, field=field)
    return out


async def update_handler(session: AsyncSession, *, handler_id: str, data: HandlerUpdate,
                         if_match: str | None, actor: Principal,
                         cipher: PiiCipher) -> Handler:
    """Keep the person's details current; a new name or ID number needs verifying again,
    so the handler's sub-ports lack `handler_verified` until it passes (R1)."""
    handler = await get_handler(session, handler_id=handler_id, actor=actor, for_update=True)
    check_if_match(if_match, handler.version)
    return await change_handler(session, handler, data, actor=actor.sub, cipher=cipher)


async def change_handler(session: AsyncSession, handler: Handler, data: HandlerUpdate, *,
                         actor: str, cipher: PiiCipher) -> Handler:
    """The change itself, versioned and audited; the import's `update_handler` uses it too."""
    values = _changes(handler, data, cipher)
    index = values.get("id_number_index")
    if index and await _find(session, index=index,
                             organization_uscc=handler.organization_uscc) is not None:
        raise Conflict("This person is already a handler of this organization.")
    changed = sorted(key.removesuffix("_enc") for key in values if key.endswith("_enc"))
    if not changed:
        return handler
    if set(changed) & set(REVERIFY):
        values.update(verification_status="unverified", verified_at=None, verified_by=None,
                      verification_reason="name or ID number changed")
        changed.append("verification")
    apply_changes(handler, values)
    handler.version += 1
    handler.updated_at = utcnow()
    await session.flush()
    await _record(session, handler, cipher, actor, changed, "handler.updated")
    return handler


async def list_handlers(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    organization_uscc: str | None = None, province: str | None = None, max_limit: int = 500,
) -> tuple[list[Handler], str | None]:
    uscc = organization_uscc.strip().upper() if organization_uscc else None
    return await keyset_page(session, Handler, key="id", actor=actor,
                             filters={"province": province, "organization_uscc": uscc},
                             cursor=cursor, limit=limit, max_limit=max_limit)
