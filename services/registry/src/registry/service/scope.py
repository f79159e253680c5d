"""What a caller may see and decide: its province's records (another province's are
indistinguishable from missing ones), listings scoped to it, reviews still open, four eyes."""

from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import holds_integer
from porttrust_shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from porttrust_shared.pagination import Keyset
from porttrust_shared.tokens import Principal
from registry.models import Organization, Port

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


class ProvinceRow(Protocol):
    province: str


P = TypeVar("P", bound=ProvinceRow)


async def visible_row(session: AsyncSession, model: type[P], key: str, *, actor: Principal,
                      what: str, for_update: bool = False) -> P:
    """`model`'s row `key`, if `actor` may see it (another province's is a 404).
    `for_update`: locked and read afresh, for a writer that bumps its version: one racing it
    then reads the version it wrote and fails If-Match (412) instead of writing that version
    again (a bare 409 from the versions table)."""
    row = await session.get(model, key, with_for_update=for_update or None,
                            populate_existing=for_update)
    return ensure_visible(actor, row, row.province if row else None, what)


class ReviewRow(Protocol):
    id: int
    province: str
    status: str


R = TypeVar("R", bound=ReviewRow)


async def open_review(session: AsyncSession, model: type[R], review_id: int, *,
                      actor: Principal, what: str) -> R:
    """A review a person is about to decide, locked: visible to the caller and still open
    (another province's is a 404, a decided one a 409)."""
    review = await session.get(model, review_id, with_for_update=True) \
        if holds_integer(model.id, review_id) else None
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


async def keyset_page(
    session: AsyncSession, model: type[T], *, key: str, actor: Principal | None,
    filters: dict[str, Any], cursor: str | None, limit: int | None, max_limit: int,
) -> tuple[list[T], str | None]:
    """A page of `model` ordered by its unique `key`, after `cursor`, with equality
    `filters` (empty values ignored); a province-bound `actor` sees only its province."""
    query = select(model)
    if actor is not None and actor.province_scope is not None:
        query = query.where(model.province == actor.province_scope)  # type: ignore[attr-defined]
    for field, value in filters.items():
        if value:
            query = query.where(getattr(model, field) == value)
    return await Keyset(getattr(model, key)).page(session, query, cursor=cursor, limit=limit,
                                                  max_limit=max_limit)
