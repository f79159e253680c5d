"""What a sub-port's completeness needs beyond its own row and its handler: whether its user
unit signed a service agreement with its port's holder, and which of its fields are flagged
wrong. Loaded in batches for the records in hand, as `completeness.Facts.extra`; the conditions
that read them are in service.completeness, with their SQL."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.service.agreements import with_service_agreement
from registry.service.inaccuracies import inaccurate_fields

CHUNK = 500  # numbers per IN list: far below every driver's limit on bound parameters


@dataclass(frozen=True, slots=True)
class Around:
    service_agreement: bool
    inaccurate: frozenset[str] = frozenset()



# For comparing what a record's own fields lack, with the surroundings held equal.
FIELDS_ONLY = Around(service_agreement=True)


async def around(session: AsyncSession, subs: Sequence[Any]) -> dict[str, Around]:
    """Per sub-port number (`subs`: rows or reads with `number` and the flagged fields)."""
    out: dict[str, Around] = {}
    for start in range(0, len(subs), CHUNK):
        chunk = subs[start:start + CHUNK]
        signed = await with_service_agreement(session, [s.number for s in chunk])
        flagged = await inaccurate_fields(session, chunk)
        out.update({s.number: Around(s.number in signed, frozenset(flagged.get(s.number, ())))
                    for s in chunk})
    return out
