"""Sub-ports: registration, update and what activation still needs (R1, R4)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared.changes import ReadCache
from porttrust_shared.db import fetch_row, utcnow
from porttrust_shared.errors import Conflict, Unprocessable
from porttrust_shared.pii import PiiCipher, scrub_data
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import carries_sms_content
from registry.clients import BlacklistChecker
from registry.errors import Incomplete, SubPortTaken
from registry.models import AuditEvent, BackfillCampaign, EntityVersion, Handler, Port, SubPort
from registry.schemas.ports import SubPortCreate, SubPortRead, SubPortUpdate
from registry.service import campaigns, completeness
from registry.service.agreements import service_agreement
from registry.service.completeness import REQUIRED, Facts
from registry.service.coverage import UnitChange, announce_units, covered
from registry.service.inaccuracies import flagged_sql
from registry.service.ports import port_for
from registry.service.scope import (
    ensure_own_province,
    ensure_visible,
    keyset_page,
    nameable_organization,
    visible,
    visible_row,
)
from registry.service.screening import Party, handler_party, organization_party, screen
from registry.service.surroundings import Around, around
from registry.service.versions import apply_changes, check_if_match, record_version
from registry.service.violations import report_mixed_use

ENTITY = "sub_port"
FIELDS = ("user_unit_uscc", "handler_id", *REQUIRED, "monthly_volume", "value_contribution",
          "customer_importance")


SNAPSHOT_KEYS = ("number", "port_number", "province", "status", "status_reason",
                 "whitelisted", *FIELDS)


def snapshot(sub: SubPort) -> dict[str, Any]:
    return {key: getattr(sub, key) for key in SNAPSHOT_KEYS}


# Copy-on-write first versions: a sub-port never changed since it was created (version 1)
# may have no version row; its current row is then version 1, valid from its updated_at.
# Before its first change the state it was loaded in is written as version 1.
_AS_LOADED: "WeakKeyDictionary[SubPort, dict[str, Any]]" = WeakKeyDictionary()


@event.listens_for(SubPort, "load")
def _keep_first_state(sub: SubPort, _context: object) -> None:
    if sub.version == 1:
        _AS_LOADED[sub] = snapshot(sub)


async def unversioned(session: AsyncSession, numbers: list[str]) -> set[str]:
    """The numbers among `numbers` that have no version row (never changed since creation)."""
    if not numbers:
        return set()
    with session.no_autoflush:
        kept = set((await session.execute(select(EntityVersion.key).where(
            EntityVersion.entity == ENTITY, EntityVersion.key.in_(numbers)))).scalars())
    return set(numbers) - kept


async def creators(session: AsyncSession, subs: Sequence[Any]) -> dict[str, str]:
    """Who created each unversioned sub-port (a SubPort or a row with its number,
    created_at and updated_at): the actor of the import chunk that named it."""
    if not subs:
        return {}
    start = min(s.created_at for s in subs) - dt.timedelta(seconds=1)
    end = max(s.updated_at for s in subs) + dt.timedelta(minutes=10)
    wanted = {s.number for s in subs}
    found: dict[str, str] = {}
    with session.no_autoflush:
        rows = await session.execute(select(AuditEvent.actor, AuditEvent.data).where(
            AuditEvent.action == "sub_port.imported", AuditEvent.at >= start,
            AuditEvent.at <= end).order_by(AuditEvent.seq))
    for actor, data in rows.all():
        for number in wanted.intersection((data or {}).get("numbers", ())):
            found.setdefault(number, actor)
    return found


def first_version(sub: SubPort, state: dict[str, Any], actor: str) -> EntityVersion:
    """Version 1 of a sub-port that kept no version row, from the state it was created in;
    call it before the change is stamped, while `updated_at` is still version 1's time."""
    return EntityVersion(entity=ENTITY, key=sub.number, version=1, actor=actor,
                         at=sub.updated_at,
                         snapshot=scrub_data(state), changed=sorted(state))


async def _materialise_first(session: AsyncSession, sub: SubPort) -> None:
    state = _AS_LOADED.pop(sub, None)
    if state is None or sub.number not in await unversioned(session, [sub.number]):
        return
    actor = (await creators(session, [sub])).get(sub.number, "unknown")
    session.add(first_version(sub, state, actor))


async def record_sub_port(session: AsyncSession, sub: SubPort, actor: str, changed: list[str],
                          action: str) -> None:
    """Bump the version and keep the new state; every change of a sub-port goes through here.
    A sub-port without version rows first gets its creation state as version 1."""
    if sub.version == 1:
        await _materialise_first(session, sub)
    sub.version += 1
    sub.updated_at = utcnow()
    await session.flush()
    await record_version(session, entity=ENTITY, key=sub.number, version=sub.version,
                         actor=actor, snapshot=snapshot(sub), changed=changed,
                         province=sub.province, action=action,
                         at=sub.updated_at)


def missing_fields(sub: SubPort, handler: Handler | None, facts: Around) -> list[str]:
    """Codes of what activation still needs; empty when the record is complete (R1, R3)."""
    return completeness.missing(Facts(sub, None if handler is None
                                      else handler.verification_status, facts))


async def missing_for(session: AsyncSession, sub: SubPort) -> list[str]:
    handler = await session.get(Handler, sub.handler_id) if sub.handler_id else None
    return missing_fields(sub, handler, (await around(session, [sub]))[sub.number])


async def to_reads(session: AsyncSession, subs: list[SubPort]) -> list[SubPortRead]:
    ids = {s.handler_id for s in subs if s.handler_id}
    handlers = {h.id: h for h in (await session.execute(
        select(Handler).where(Handler.id.in_(ids)))).scalars()} if ids else {}
    facts = await around(session, subs)
    due = await campaigns.deadlines(session, {s.province for s in subs})
    now = utcnow()
    reads = []
    for sub in subs:
        missing = missing_fields(sub, handlers.get(sub.handler_id or ""), facts[sub.number])
        reads.append(SubPortRead.model_validate(sub).model_copy(update={
            "missing": missing,
            "backfill": campaigns.backfill_of(missing, due.get(sub.province), now)}))
    return reads


async def _parties(session: AsyncSession, *, port: Port | None, values: dict[str, Any],
                   cipher: PiiCipher, actor: Principal) -> list[Party]:
    """Check references and name who must be screened before the change."""
    parties = [organization_party("holder", port.holder_uscc)] if port else []
    if values.get("user_unit_uscc"):
        await nameable_organization(session, actor, values["user_unit_uscc"], "user_unit_uscc")
        parties.append(organization_party("user_unit", values["user_unit_uscc"]))
    if values.get("handler_id"):
        handler = await session.get(Handler, values["handler_id"])
        if handler is None or actor.province_scope not in (None, handler.province):
            raise Unprocessable("handler_id names no handler you can see.")
        parties.append(handler_party(handler, cipher))
    return parties


async def _port_of(session: AsyncSession, data: SubPortCreate) -> Port:
    if not carries_sms_content(data.number):
        raise Unprocessable("M2M ports (1064) carry no SMS sub-ports.", code="m2m_port")
    port = await port_for(session, data.number)
    if port is None:
        raise Unprocessable("No registered port is a prefix of this number.", code="no_port")
    if port.scope == "provincial" and port.province != data.province:
        raise Unprocessable("A provincial port's sub-ports stay in its province.")
    return port


async def register_sub_port(session: AsyncSession, *, data: SubPortCreate, actor: Principal,
                            credit: BlacklistChecker, cipher: PiiCipher) -> SubPort:
    """Register one sub-port; bulk import calls this per row."""
    ensure_own_province(actor, data.province)
    port = await _port_of(session, data)
    values = data.model_dump(include=set(FIELDS))
    existing = await session.get(SubPort, data.number)
    if existing is not None and existing.status != "cancelled":
        if existing.user_unit_uscc and data.user_unit_uscc not in (
                None, existing.user_unit_uscc) and visible(actor, existing.province):
            await nameable_organization(session, actor, data.user_unit_uscc, "user_unit_uscc")
            await report_mixed_use(session, sub=existing, attempted_uscc=data.user_unit_uscc,
                                   actor=actor)
            raise SubPortTaken()
        raise Conflict("This sub-port is registered already.")
    await screen(session, parties=await _parties(session, port=port, values=values,
                                                  cipher=cipher, actor=actor), credit=credit)
    sub = existing or SubPort(number=data.number, version=0, created_at=utcnow())
    old_unit = existing.user_unit_uscc if existing is not None else None
    apply_changes(sub, {**values, "port_number": port.number, "province": data.province,
                        "status": "registered", "status_reason": None,
                        "whitelisted": await covered(session, data.number,
                                                     data.user_unit_uscc,
                                                     province=data.province)})
    session.add(sub)
    await record_sub_port(session, sub, actor.sub, sorted(snapshot(sub)), "sub_port.registered")
    await announce_units(session, [UnitChange(sub.number, sub.province, old_unit,
                                              sub.user_unit_uscc)])
    return sub


async def get_sub_port(session: AsyncSession, *, number: str, actor: Principal,
                       for_update: bool = False) -> SubPort:
    """`for_update`: see `scope.visible_row`."""
    return await visible_row(session, SubPort, number.strip(), actor=actor, what="sub-port",
                             for_update=for_update)


# Built once: the table's columns (no ORM entity to load) and the handler's verification.
_SUB, _HANDLER = SubPort.__table__.c, Handler.__table__.c
_CAMPAIGN = BackfillCampaign.__table__.c
# What GET /v1/sub-ports/{number} reads (migrations make each notify its changes).
READ_ONE_TABLES = ("sub_ports", "handlers", "agreements", "inaccuracies", "backfill_campaigns")
_READ_ONE = (select(*_SUB, _HANDLER.verification_status,
                    service_agreement().label("service_agreement"),
                    flagged_sql().label("flagged"), _CAMPAIGN.deadline.label("deadline"))
             .select_from(SubPort.__table__
                          .outerjoin(Handler.__table__, _HANDLER.id == _SUB.handler_id)
                          .outerjoin(BackfillCampaign.__table__,
                                     _CAMPAIGN.province == _SUB.province))
             .where(_SUB.number == bindparam("number")))


@dataclass(frozen=True, slots=True)
class SubPortView:
    """A sub-port as GET answers it: its province (for the caller's scope), version (ETag)
    and JSON body up to `backfill`, made once and shared by every caller while the record
    is unchanged. `backfill` is added when answering: it changes when the deadline passes,
    with nothing written anywhere."""

    province: str
    version: int
    head: bytes
    missing: list[str]
    deadline: dt.datetime | None

    def body(self, now: dt.datetime) -> bytes:
        tail = campaigns.backfill_of(self.missing, self.deadline, now).model_dump_json()
        return b"%s,\"backfill\":%s}" % (self.head[:-1], tail.encode())


async def read_sub_port(sessions: async_sessionmaker[AsyncSession], *, number: str,
                        actor: Principal,
                        cache: ReadCache[str, SubPortView | None] | None = None) -> SubPortView:
    """One sub-port as read: the record and its handler's verification in one query (one
    snapshot, one round trip, no ORM session), as get_sub_port plus to_reads would give
    them; from `cache` while registry has heard of no change (porttrust_shared.changes)."""
    key = number.strip()

    async def load() -> SubPortView | None:
        row = await fetch_row(sessions, _READ_ONE, {"number": key})
        if row is None:
            return None
        status, signed = row.pop("verification_status"), bool(row.pop("service_agreement"))
        flagged, deadline = bool(row.pop("flagged")), row.pop("deadline")
        read = SubPortRead.model_validate(row)
        facts = Around(signed) if not flagged else await _around_one(sessions, read)
        read.missing = completeness.missing(Facts(read, status, facts))
        # pydantic's JSON is byte for byte what JSONResponse(model_dump(mode="json")) writes.
        head = read.model_dump_json(exclude={"backfill"}).encode()
        return SubPortView(read.province, read.version, head, read.missing, deadline)

    view = await (load() if cache is None else cache.read(key, load))
    return ensure_visible(actor, view, view.province if view else None, "sub-port")


async def _around_one(sessions: async_sessionmaker[AsyncSession], read: SubPortRead) -> Around:
    """The rare read of a sub-port with a flag on it: which fields still hold a wrong value."""
    async with sessions() as session:
        return (await around(session, [read]))[read.number]


async def update_sub_port(session: AsyncSession, *, number: str, data: SubPortUpdate,
                          if_match: str | None, actor: Principal, credit: BlacklistChecker,
                          cipher: PiiCipher) -> SubPort:
    sub = await get_sub_port(session, number=number, actor=actor, for_update=True)
    check_if_match(if_match, sub.version)
    if sub.status == "cancelled":
        raise Conflict("A cancelled sub-port is not updated; register it again.")
    values = {k: v for k, v in data.model_dump(exclude_none=True).items()
              if getattr(sub, k) != v}
    new_unit = values.get("user_unit_uscc")
    if new_unit:
        await nameable_organization(session, actor, new_unit, "user_unit_uscc")
    if new_unit and sub.status == "active" and sub.user_unit_uscc:
        await report_mixed_use(session, sub=sub, attempted_uscc=new_unit, actor=actor)
        raise SubPortTaken()
    people = {k: v for k, v in values.items() if k in ("user_unit_uscc", "handler_id")}
    await screen(session, parties=await _parties(session, port=None, values=people,
                                                  cipher=cipher, actor=actor), credit=credit)
    before = await missing_for(session, sub) if sub.status == "active" else []
    old_unit = sub.user_unit_uscc
    if "user_unit_uscc" in values:  # a customer entry follows the unit, not the number
        values["whitelisted"] = await covered(session, sub.number, values["user_unit_uscc"],
                                              province=sub.province)
    changed = apply_changes(sub, values)
    # An active record may still lack what it lacked (a live record of the installed base,
    # an agreement, a flagged field) and be completed step by step (R2); a change must not
    # take away what it has.
    if sub.status == "active" and (worse := completeness.newly_missing(
            before, await missing_for(session, sub))):
        raise Incomplete(worse)
    if changed:
        await record_sub_port(session, sub, actor.sub, changed, "sub_port.updated")
        await announce_units(session, [UnitChange(sub.number, sub.province, old_unit,
                                                  sub.user_unit_uscc)])
    return sub


async def list_sub_ports(
    session: AsyncSession, *, actor: Principal, limit: int | None, cursor: str | None,
    filters: dict[str, str | None], max_limit: int = 500,
) -> tuple[list[SubPort], str | None]:
    """`filters`: province, status, user_unit_uscc, port_number, business_type, handler_id."""
    return await keyset_page(session, SubPort, key="number", actor=actor, filters=filters,
                             cursor=cursor, limit=limit, max_limit=max_limit)
