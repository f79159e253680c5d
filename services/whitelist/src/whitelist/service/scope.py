"""What a caller may see: a province-bound token its own province's rows (anything else
answers as missing, 404), HQ all; and the listings' equality filters."""

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.errors import NotFound
from porttrust_shared.tokens import Principal
from whitelist.models import Protection

Q = TypeVar("Q", bound=Select[Any])
R = TypeVar("R", bound=Protection)


def scoped(query: Q, model: type[Protection], actor: Principal) -> Q:
    """A province-bound token sees its own province only."""
    scope = actor.province_scope
    return query if scope is None else query.where(model.province == scope)


def in_scope(province: str, actor: Principal) -> bool:
    scope = actor.province_scope
    return scope is None or scope == province


def where_equal(query: Q, *filters: tuple[Any, Any]) -> Q:
    """`query` with `column == value` for each (column, value) whose value is not None."""
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    return query


async def one_in_scope(session: AsyncSession, model: type[R], ident: str, actor: Principal, *,
                       what: str, for_update: bool = False) -> R:
    """The row `ident` (locked when `for_update`); missing or another province's → 404."""
    query = select(model).where(model.id == ident)
    row = await session.scalar(query.with_for_update() if for_update else query)
    if row is None or not in_scope(row.province, actor):
        raise NotFound(f"No such {what}.")
    return row
