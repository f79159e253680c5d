"""Is a number protected? An entry on a port covers every sub-port that extends it; an entry
on a customer (USCC) covers every sub-port registry says that unit uses, now and later."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import Unprocessable
from whitelist.models import Entry, SubPortUnit
from whitelist.schemas import Category, StatusRead
from whitelist.service.entries import active_clause

MIN_PORT_LEN = 8  # 106 + five digits: the shortest number an entry can be on
CHUNK = 900  # stays under every driver's bound-parameter limit


def prefixes(number: str) -> list[str]:
    return [number[:n] for n in range(MIN_PORT_LEN, len(number) + 1)]


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    wanted = sorted(set(values))
    for start in range(0, len(wanted), CHUNK):
        yield wanted[start:start + CHUNK]


async def _active_on(session: AsyncSession, numbers: Iterable[str],
                     now: dt.datetime) -> dict[str, Entry]:
    found = {}
    for chunk in _chunks(numbers):
        query = (select(Entry).where(Entry.number.in_(chunk), active_clause(now))
                 .order_by(Entry.created_at))
        for entry in (await session.execute(query)).scalars():
            found[str(entry.number)] = entry  # the newest wins if two ever coexist
    return found


async def _customer_entries(session: AsyncSession, numbers: Iterable[str],
                            now: dt.datetime) -> dict[str, Entry]:
    """number → the active entry on the customer registry says uses it, if the entry is of
    the sub-port's province (an entry protects its own province's sub-ports only)."""
    units: dict[str, str] = {}
    where: dict[str, str] = {}
    for chunk in _chunks(numbers):
        rows = await session.execute(
            select(SubPortUnit.number, SubPortUnit.uscc, SubPortUnit.province)
            .where(SubPortUnit.number.in_(chunk)))
        for number, uscc, province in rows:
            units[number], where[number] = uscc, province
    entries: dict[str, Entry] = {}
    for chunk in _chunks(units.values()):
        query = (select(Entry).where(Entry.uscc.in_(chunk), active_clause(now))
                 .order_by(Entry.created_at))
        entries.update({str(e.uscc): e for e in (await session.execute(query)).scalars()})
    return {n: entries[u] for n, u in units.items()
            if u in entries and entries[u].province == where[n]}


async def customer_entry(session: AsyncSession, uscc: str, now: dt.datetime) -> Entry | None:
    query = (select(Entry).where(Entry.uscc == uscc, active_clause(now))
             .order_by(Entry.created_at.desc()).limit(1))
    return (await session.execute(query)).scalar_one_or_none()


async def covering_entries(session: AsyncSession, numbers: Sequence[str],
                           now: dt.datetime) -> list[Entry | None]:
    """For each number, the active entry on its longest covering prefix, else the active
    entry on the customer that uses it, else None."""
    entries = await _active_on(session, (p for n in numbers for p in prefixes(n)), now)
    by_customer = await _customer_entries(session, numbers, now)
    return [next((entries[p] for p in reversed(prefixes(n)) if p in entries),
                 by_customer.get(n)) for n in numbers]


def status_of(number: str, entry: Entry | None) -> StatusRead:
    if entry is None:
        return StatusRead(number=number, whitelisted=False)
    return StatusRead(number=number, whitelisted=True, category=Category(entry.category),
                      entry_id=entry.id, expires_at=entry.expires_at, uscc=entry.uscc,
                      province=entry.province)


async def statuses(session: AsyncSession, *, numbers: Sequence[str],
                   now: dt.datetime) -> list[StatusRead]:
    entries = await covering_entries(session, numbers, now)
    return [status_of(n, e) for n, e in zip(numbers, entries, strict=True)]


async def sub_port_units(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Registry's `sub_port.units`: which customer each sub-port now serves (`user_unit_uscc`
    null: none); the newest announcement wins. A malformed payload is a 422, not a retry."""
    try:
        items = [(str(i["number"]), i.get("user_unit_uscc"), str(i["province"]))
                 for i in payload["items"]]
    except (KeyError, TypeError, AttributeError):
        raise Unprocessable("The event payload does not follow the contract.") from None
    for number, uscc, province in items:
        row = await session.get(SubPortUnit, number)
        if uscc is None:
            if row is not None:
                await session.delete(row)
            continue
        if row is None:
            row = SubPortUnit(number=number)
            session.add(row)
        row.uscc, row.province, row.updated_at = str(uscc), province, utcnow()
    await session.flush()
