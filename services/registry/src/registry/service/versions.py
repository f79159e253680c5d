"""Versions of every versioned record: ETags and If-Match, the masked snapshot kept per
version with its audit entry, and applying a change."""

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import PreconditionFailed, PreconditionRequired
from porttrust_shared.pii import scrub_data
from registry.models import AuditEvent, EntityVersion


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
    ID numbers and phones written into free text are masked in the kept snapshot.
    """
    snapshot = scrub_data(snapshot)
    session.add(EntityVersion(entity=entity, key=key, version=version, actor=actor,
                              at=at or utcnow(), snapshot=snapshot, changed=changed))
    await append_audit(session, AuditEvent, actor=actor, action=action, entity=entity,
                       entity_id=key, province=province,
                       data={"version": version, "changed": changed, "snapshot": snapshot})
    await session.flush()


def version_row(entity: str, key: str, version: int, actor: str, at: dt.datetime,
                snapshot: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """An EntityVersion as a row for a bulk insert (import, deadline sweep)."""
    return {"entity": entity, "key": key, "version": version, "actor": actor, "at": at,
            "snapshot": scrub_data(snapshot), "changed": changed}


def apply_changes(obj: object, values: dict[str, Any]) -> list[str]:
    """Set the attributes that differ; return their names."""
    changed = []
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed.append(field)
    return sorted(changed)
