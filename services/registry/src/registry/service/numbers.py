"""Which registered port or sub-port a number is, and its province (whitelist asks before it
lets a province apply for a number)."""

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.errors import NotFound
from porttrust_shared.tokens import Principal
from registry.models import Port, SubPort
from registry.schemas.ports import NumberRead
from registry.service.ports import MIN_PORT_LEN
from registry.service.scope import visible

PORT_NUMBER = re.compile(r"106[0-9]{5,18}")


async def find_number(session: AsyncSession, *, number: str, actor: Principal) -> NumberRead:
    """The longest registered match of `number`: a sub-port (not cancelled) or a port; an
    unregistered number, or another province's for a province-bound caller, is a 404."""
    number = number.strip()
    if not PORT_NUMBER.fullmatch(number):  # nothing else is ever registered: no query
        raise NotFound("No registered port or sub-port matches this number.")
    prefixes = [number[:n] for n in range(MIN_PORT_LEN, len(number) + 1)]
    sub = (await session.execute(
        select(SubPort.number, SubPort.province)
        .where(SubPort.number.in_(prefixes), SubPort.status != "cancelled")
        .order_by(func.length(SubPort.number).desc()).limit(1))).first()
    port = (await session.execute(
        select(Port.number, Port.province).where(Port.number.in_(prefixes))
        .order_by(func.length(Port.number).desc()).limit(1))).first()
    found = max(((row, kind) for row, kind in ((sub, "sub_port"), (port, "port"))
                 if row is not None), key=lambda pair: len(pair[0].number), default=None)
    if found is None or not visible(actor, found[0].province):
        raise NotFound("No registered port or sub-port matches this number.")
    (matched, province), kind = found
    return NumberRead(number=matched, kind=kind, province=province)
