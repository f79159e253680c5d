"""Is a sub-port whitelisted here? By an entry on its number or a prefix of it, or by an
entry on the customer (user unit) it serves; and telling whitelist which customer a
sub-port serves, for the customers an entry protects."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.outbox import enqueue
from registry.models import OutboxEvent, WhitelistEntry


def live() -> ColumnElement[bool]:
    """Not revoked, not expired, not under re-review (registry.service.whitelist_review)."""
    return and_(WhitelistEntry.revoked_at.is_(None), WhitelistEntry.review_at.is_(None),
                or_(WhitelistEntry.expires_at.is_(None), WhitelistEntry.expires_at > utcnow()))


def in_province(province: str) -> ColumnElement[bool]:
    """An entry covers sub-ports of its own province only (a province cannot whitelist
    another's sub-port); an entry granted before entries carried a province (None) covers
    as it did until whitelist announces it again."""
    return or_(WhitelistEntry.province.is_(None), WhitelistEntry.province == province)


async def covered(session: AsyncSession, number: str, uscc: str | None = None, *,
                  province: str) -> bool:
    """Whether a live whitelist entry of `province` is on `number` or a prefix of it, or on
    `uscc`."""
    prefixes = [number[:n] for n in range(1, len(number) + 1)]
    target: ColumnElement[bool] = WhitelistEntry.number.in_(prefixes)
    if uscc:
        target = or_(target, WhitelistEntry.uscc == uscc)
    query = (select(WhitelistEntry.entry_id)
             .where(target, live(), in_province(province)).limit(1))
    return (await session.execute(query)).first() is not None


async def protected_customers(session: AsyncSession, usccs: Iterable[str | None], *,
                              province: str | None = None) -> set[str]:
    """Which of these units a live customer entry protects (one of `province`, if given)."""
    wanted = {u for u in usccs if u}
    if not wanted:
        return set()
    query = select(WhitelistEntry.uscc).where(WhitelistEntry.uscc.in_(wanted), live())
    if province is not None:
        query = query.where(in_province(province))
    return {str(u) for u in (await session.execute(query)).scalars()}


@dataclass(frozen=True, slots=True)
class UnitChange:
    number: str
    province: str
    old: str | None
    new: str | None


async def announce_units(session: AsyncSession, changes: list[UnitChange]) -> None:
    """Tell whitelist (outbox, same transaction) the unit of each sub-port that joins or
    leaves a protected customer, so its status answers for the customer's sub-ports."""
    customers = await protected_customers(
        session, [c.old for c in changes] + [c.new for c in changes])
    items = [{"number": c.number, "user_unit_uscc": c.new, "province": c.province}
             for c in changes if c.old != c.new and {c.old, c.new} & customers]
    if items:
        await enqueue(session, OutboxEvent, destination="whitelist", topic="sub_port.units",
                      payload={"items": items})
