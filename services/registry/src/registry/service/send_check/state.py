"""What a send check reads: sub-ports, their templates (one matcher each) and opt-outs.

From memory while the change feed is fresh (porttrust_shared.keyed: a process never answers
from state older than its own writes, nor from anything older than READ_CACHE_SECONDS, and
reads the database while the listener is down); from the database otherwise (SQLite, the
cache switched off, the listener down). Both give the same `Snapshot`.

Memory per sub-port: its row's four fields, one `TemplateIndex`, and its opt-outs as a sorted
array of 64-bit integers (the first 16 hex digits of each phone's blind index: 8 bytes an
opt-out, loaded the first time a check names the sub-port) behind a table of 4 to 8 one-byte
slots an opt-out (`PhoneKeys`): 12 to 16 bytes an opt-out in all. Two phones of one sub-port share
64 bits with probability about n²/2⁶⁵; such a collision would refuse one extra phone.
"""

import asyncio
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import MessageTemplate, OptOut, SubPort
from registry.service.matching.index import TemplateIndex
from registry.service.send_check.phone_keys import PhoneKeys, phone_key
from registry.service.templates import compiled

OPT_OUT_CHUNK = 50  # sub-ports per opt-out query
TEMPLATE_COLUMNS = (MessageTemplate.sub_port_number, MessageTemplate.id, MessageTemplate.status,
                    MessageTemplate.kind, MessageTemplate.text, MessageTemplate.allowed_domains,
                    MessageTemplate.created_at)


@dataclass(frozen=True, slots=True)
class SubPortView:
    number: str
    province: str
    status: str
    business_type: str | None


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """What an answer says of a template: its explanation's id, status and kind."""

    id: str
    status: str
    kind: str


async def load_sub_ports(session: AsyncSession, numbers: Iterable[str]) -> dict[str, SubPortView]:
    rows = await session.execute(select(
        SubPort.number, SubPort.province, SubPort.status, SubPort.business_type).where(
        SubPort.number.in_(set(numbers))))
    # Province, status and business type are a few words, interned: a check compares them
    # with its literals by identity, not by reading each sub-port's own copy.
    return {row[0]: SubPortView(row[0], sys.intern(row[1]), sys.intern(row[2]),
                                None if row[3] is None else sys.intern(row[3])) for row in rows}


def template_index(rows: Iterable[Any]) -> TemplateIndex:
    """Approved templates first, then by age: the order answers are explained in."""
    ordered = sorted(rows, key=lambda r: (r.status != "approved", r.created_at, r.id))
    # Status and kind are a few words, interned: every template's are the same objects.
    return TemplateIndex([(TemplateRef(r.id, sys.intern(r.status), sys.intern(r.kind)),
                           compiled(r)) for r in ordered])


async def load_templates(session: AsyncSession,
                         numbers: Iterable[str]) -> dict[str, TemplateIndex]:
    numbers = set(numbers)
    rows = (await session.execute(select(*TEMPLATE_COLUMNS).where(
        MessageTemplate.sub_port_number.in_(numbers)))).all()
    grouped: dict[str, list[Any]] = {n: [] for n in numbers}
    for row in rows:
        grouped[row.sub_port_number].append(row)
    indexes = {}
    for n, (number, found) in enumerate(grouped.items(), start=1):
        indexes[number] = template_index(found)
        if n % 20 == 0:
            await asyncio.sleep(0)  # compiling thousands of templates: let others run
    return indexes


async def load_opt_outs(session: AsyncSession,
                        numbers: Iterable[str]) -> dict[str, PhoneKeys]:
    """Every opt-out of these sub-ports, as 64-bit phone keys."""
    ordered = sorted(set(numbers))
    found: dict[str, PhoneKeys] = {}
    # A few sub-ports per query: the rows of one query are all in memory at once.
    for start in range(0, len(ordered), OPT_OUT_CHUNK):
        chunk = ordered[start:start + OPT_OUT_CHUNK]
        keys: dict[str, set[int]] = {n: set() for n in chunk}
        rows = await session.execute(select(OptOut.sub_port_number, OptOut.phone_index).where(
            OptOut.sub_port_number.in_(chunk)))
        for number, index in rows:
            keys[number].add(phone_key(index))
        found.update((number, PhoneKeys(held)) for number, held in keys.items())
        await asyncio.sleep(0)  # a long load lets the requests and the listener run between
    return found


async def opted_pairs(session: AsyncSession, numbers: set[str],
                      indexes: set[str]) -> set[tuple[str, int]]:
    """The database's answer for just these (sub-port, phone) pairs, as phone keys."""
    if not numbers or not indexes:
        return set()
    rows = await session.execute(select(OptOut.sub_port_number, OptOut.phone_index).where(
        OptOut.sub_port_number.in_(numbers), OptOut.phone_index.in_(indexes)))
    return {(number, phone_key(index)) for number, index in rows}
