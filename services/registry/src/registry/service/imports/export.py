"""Export sub-ports as the import's CSV. Person data is masked (name 张*, ID number
110105********002X, phone 138****5678), and so are ID numbers and phones written into free
text (purpose, machine room, equipment): the file identifies handlers by handler_id, and
importing it again changes nothing unless such free text had to be masked."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.pii import PiiCipher, scrub
from porttrust_shared.tokens import Principal
from registry.models import Handler, Organization, SubPort
from registry.service.handlers import masked
from registry.service.imports.parsing import csv_text
from registry.service.sub_ports import FIELDS

BATCH = 5000


async def export_csv(session: AsyncSession, *, actor: Principal, cipher: PiiCipher,
                     province: str | None = None, status: str | None = None) -> str:
    """Every visible sub-port (cancelled ones only when asked for by status), by number."""
    rows: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    people: dict[str, dict[str, str]] = {}
    after = ""
    while True:
        batch = await _batch(session, actor, province, status, after)
        if not batch:
            break
        await _load_names(session, batch, names, actor)
        await _load_people(session, batch, people, cipher)
        rows += [_row(sub, names, people) for sub in batch]
        after = batch[-1].number
    return csv_text(rows)


async def _batch(session: AsyncSession, actor: Principal, province: str | None,
                 status: str | None, after: str) -> list[SubPort]:
    query = select(SubPort).where(SubPort.number > after).order_by(SubPort.number).limit(BATCH)
    if actor.province_scope is not None:
        query = query.where(SubPort.province == actor.province_scope)
    if province:
        query = query.where(SubPort.province == province)
    query = query.where(SubPort.status == status) if status else query.where(
        SubPort.status != "cancelled")
    return list((await session.execute(query)).scalars())


async def _load_names(session: AsyncSession, batch: list[SubPort], names: dict[str, str],
                      actor: Principal) -> None:
    """User unit names; another province's organisation stays unnamed to a province."""
    wanted = {s.user_unit_uscc for s in batch if s.user_unit_uscc} - names.keys()
    if wanted:
        query = select(Organization.uscc, Organization.name).where(
            Organization.uscc.in_(wanted))
        if actor.province_scope is not None:
            query = query.where(Organization.province == actor.province_scope)
        names.update({uscc: name for uscc, name in await session.execute(query)})


async def _load_people(session: AsyncSession, batch: list[SubPort],
                       people: dict[str, dict[str, str]], cipher: PiiCipher) -> None:
    wanted = {s.handler_id for s in batch if s.handler_id} - people.keys()
    if wanted:
        for handler in (await session.execute(
                select(Handler).where(Handler.id.in_(wanted)))).scalars():
            people[handler.id] = masked(handler, cipher)


def _row(sub: SubPort, names: dict[str, str], people: dict[str, dict[str, str]]) -> dict[str, Any]:
    person = people.get(sub.handler_id or "", {})
    return {"number": sub.number, "province": sub.province,
            "user_unit_name": names.get(sub.user_unit_uscc or ""),
            "handler_name": person.get("name"), "handler_id_number": person.get("id_number"),
            "handler_phone": person.get("phone"),
            **{f: scrub(v) if isinstance(v := getattr(sub, f), str) else v for f in FIELDS},
            # Live stays live when the file goes back in; nothing else is a status to import.
            "status": "active" if sub.status == "active" else None}
