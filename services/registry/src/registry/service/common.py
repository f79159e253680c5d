"""What every entity shares: province scoping, versions with audit, ETags."""

import datetime as dt
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
)
from porttrust_shared.pagination import clamp_limit, cursor_values, page_of
from porttrust_shared.pii import scrub_data
from porttrust_shared.tokens import Principal
from registry.models import AuditEvent, EntityVersion, Organization, Port

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


class ReviewRow(Protocol):
    province: str
    status: str


R = TypeVar("R", bound=ReviewRow)


async def open_review(session: AsyncSession, model: type[R], review_id: int, *,
                      actor: Principal, what: str) -> R:
    """A review a person is about to decide, locked: visible to the caller and still open
    (another province's is a 404, a decided one a 409)."""
    review = await session.get(model, review_id, with_for_update=True)
    review = ensure_visible(actor, review, review.province if review else None, what)
    if review.status != "open":
        raise Conflict(f"The {what} is already decided.")
    return review


async def nameable_organization(session: AsyncSession, actor: Principal, uscc: str,
                                field: str, *, national_holders: bool = False) -> Organization:
    """The organisation `uscc` names, if `actor` may name it (holder, user unit...). Another
    province's organisation answers exactly as a USCC nobody registered: same status, type
    and text, no name (README: organisations across provinces). `national_holders`: the
    holder of a national port may be named too (HQ registering the port is the grant)."""
    org = await session.get(Organization, uscc)
    if org is None or not (visible(actor, org.province) or (national_holders and (
            await session.execute(select(Port.number).where(
                Port.holder_uscc == org.uscc, Port.scope == "national").limit(1))).first())):
        raise Unprocessable(f"{field} names no registered organization.")
    return org


def ensure_other_person(actor: Principal, author: str, author_person: str | None,
                        what: str) -> None:
    """Four eyes means two people: neither the author nor any identity of the author's root
    person (an identity someone created counts as that someone) decides on its work."""
    if actor.sub == author or actor.person in (author, author_person):
        raise Forbidden(f"Who registered a {what} cannot decide on it; an identity that person "
                        "created counts as that person.", code="four_eyes")


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


def int_after(cursor: str | None) -> int | None:
    """The position a numeric cursor points after; a forged one is a 400, not a 500."""
    after = cursor_values(cursor, int)
    return None if after is None else int(after[0])


async def keyset_page(
    session: AsyncSession, model: type[T], *, key: str, actor: Principal | None,
    filters: dict[str, Any], cursor: str | None, limit: int | None, max_limit: int,
) -> tuple[list[T], str | None]:
    """A page of `model` ordered by its unique string `key`, after `cursor`, with equality
    `filters` (empty values ignored); a province-bound `actor` sees only its province."""
    size = clamp_limit(limit, max_limit)
    column = getattr(model, key)
    query = select(model).order_by(column)
    if actor is not None and actor.province_scope is not None:
        query = query.where(model.province == actor.province_scope)  # type: ignore[attr-defined]
    for field, value in filters.items():
        if value:
            query = query.where(getattr(model, field) == value)
    after = cursor_values(cursor, str)
    if after is not None:
        query = query.where(column > after[0])
    rows = list((await session.execute(query.limit(size + 1))).scalars().all())
    return page_of(rows, size, lambda row: [getattr(row, key)])
