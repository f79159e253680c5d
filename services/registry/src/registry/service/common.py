"""What every entity shares: province scoping, versions with audit, ETags."""

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from porttrust_shared.pagination import decode_cursor
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, EntityVersion

WRITERS = ("hq_admin", "province_operator")
T = TypeVar("T")


def visible(actor: Principal, province: str | None) -> bool:
    scope = actor.province_scope
    return scope is None or scope == province


def ensure_visible(actor: Principal, obj: T | None, province: str | None,
                      what: str) -> T:
    """Another province's object is indistinguishable from a missing one."""
    if obj is None or not visible(actor, province):
        raise NotFound(f"No such {what}.")
    return obj


def ensure_own_province(actor: Principal, province: str) -> None:
    if not visible(actor, province):
        raise Forbidden("A province-bound caller may only register in its own province.")


def etag(version: int) -> str:
    return f'W/"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("Send If-Match with the ETag from GET.")
    wanted = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    if "*" not in wanted and str(version) not in wanted:
        raise PreconditionFailed("The record changed since it was read; GET it again.",
                                 current_etag=etag(version))


async def record_version(session: AsyncSession, *, entity: str, key: str, version: int,
                         actor: str, snapshot: dict[str, Any], changed: list[str],
                         province: str | None, action: str, at: dt.datetime | None = None,
                         ) -> None:
    """Keep the masked snapshot and chain an audit entry, in the caller's transaction.

    `at` is the entity's own `updated_at`, so a trace at that instant sees this version.
    """
    session.add(EntityVersion(entity=entity, key=key, version=version, actor=actor,
                              at=at or utcnow(), snapshot=snapshot, changed=changed))
    await append_audit(session, AuditEvent, actor=actor, action=action, entity=entity,
                       entity_id=key, province=province,
                       data={"version": version, "changed": changed, "snapshot": snapshot})
    await session.flush()


def apply_changes(obj: object, values: dict[str, Any]) -> list[str]:
    """Set the attributes that differ; return their names."""
    changed = []
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed.append(field)
    return sorted(changed)


def int_after(cursor: str | None) -> int | None:
    """The position a numeric cursor points after; a forged one is a 400, not a 500."""
    after = decode_cursor(cursor)
    if not after:
        return None
    try:
        return int(after[0])
    except (TypeError, ValueError):
        raise BadRequest("The cursor is not valid.") from None
