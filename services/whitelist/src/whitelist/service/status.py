"""Is a number protected? An entry on a port covers every sub-port that extends it."""

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from whitelist.models import Entry
from whitelist.schemas import Category, StatusRead
from whitelist.service.common import active_clause

MIN_PORT_LEN = 8  # 106 + five digits: the shortest number an entry can be on
CHUNK = 900  # stays under every driver's bound-parameter limit


def prefixes(number: str) -> list[str]:
    return [number[:n] for n in range(MIN_PORT_LEN, len(number) + 1)]


async def _active_on(session: AsyncSession, numbers: Iterable[str],
                     now: dt.datetime) -> dict[str, Entry]:
    wanted, found = sorted(set(numbers)), {}
    for start in range(0, len(wanted), CHUNK):
        query = (select(Entry).where(Entry.number.in_(wanted[start:start + CHUNK]),
                                     active_clause(now)).order_by(Entry.created_at))
        for entry in (await session.execute(query)).scalars():
            found[entry.number] = entry  # the newest wins if two ever coexist
    return found


async def covering_entries(session: AsyncSession, numbers: Sequence[str],
                           now: dt.datetime) -> list[Entry | None]:
    """For each number, the active entry on its longest covering prefix, or None."""
    entries = await _active_on(session, (p for n in numbers for p in prefixes(n)), now)
    return [next((entries[p] for p in reversed(prefixes(n)) if p in entries), None)
            for n in numbers]


def status_of(number: str, entry: Entry | None) -> StatusRead:
    if entry is None:
        return StatusRead(number=number, whitelisted=False)
    return StatusRead(number=number, whitelisted=True, category=Category(entry.category),
                      entry_id=entry.id, expires_at=entry.expires_at)


async def statuses(session: AsyncSession, *, numbers: Sequence[str],
                   now: dt.datetime) -> list[StatusRead]:
    entries = await covering_entries(session, numbers, now)
    return [status_of(n, e) for n, e in zip(numbers, entries, strict=True)]
