"""The deadline sweep (R2): every live sub-port of a province still incomplete at its
back-fill deadline is suspended unless whitelisted (by the whitelist service or the local
flag: wrongly suspending a life-safety port costs more than a late suspension).

Set-based, however many sub-ports: one query for the candidates, the whitelist asked in
batches of 1,000 (if it cannot answer for all, nothing changes), one UPDATE, then bulk
inserts of the versions (version 1 first for a sub-port that never kept one), transitions
and audit entries (one per suspension and one summary), in the caller's transaction.
"""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import exists, func, insert, literal, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import AuditEntry, append_audits
from porttrust_shared.db import is_postgres, utcnow
from registry.clients import WhitelistChecker
from registry.models import AuditEvent, EntityVersion, Handler, SubPort, SubPortTransition
from registry.service.completeness import incomplete
from registry.service.imports.bulk import bulk_insert, numbers_among
from registry.service.sub_ports import ENTITY, SNAPSHOT_KEYS, creators
from registry.service.versions import version_row

REASON = "backfill_deadline"
SQLITE_PART = 500  # numbers per UPDATE on SQLite (bound parameters are limited there)
_SUB = SubPort.__table__.c
_VERSIONED = exists().where(EntityVersion.entity == ENTITY,
                            EntityVersion.key == SubPort.number)
_CANDIDATES = (
    select(*(_SUB[k] for k in SNAPSHOT_KEYS), _SUB.version, _SUB.created_at, _SUB.updated_at,
           _VERSIONED.label("versioned"))
    .select_from(SubPort.__table__.outerjoin(Handler.__table__,
                                             Handler.__table__.c.id == _SUB.handler_id))
    .where(_SUB.status == "active", incomplete()).order_by(_SUB.number))


@dataclass(frozen=True, slots=True)
class SweepResult:
    checked: int
    suspended: list[str]
    exempted: list[str]


async def sweep(session: AsyncSession, *, province: str, deadline: dt.datetime, actor: str,
                whitelist: WhitelistChecker, dry_run: bool = False) -> SweepResult:
    """Suspend the province's incomplete active sub-ports that are not whitelisted."""
    rows = (await session.execute(_CANDIDATES.where(_SUB.province == province))).all()
    remote = await whitelist.statuses([r.number for r in rows]) if rows else {}
    exempt = {r.number for r in rows if r.whitelisted or remote[r.number].covers(r.province)}
    doomed = [r for r in rows if r.number not in exempt]
    suspended = [r.number for r in doomed]
    if not dry_run:
        suspended = await _suspend(session, doomed, actor)
        await append_audits(session, AuditEvent, [AuditEntry(
            actor=actor, action="backfill.enforced", entity="province", entity_id=province,
            province=province, data={"deadline": deadline.isoformat(),
                                     "suspended": len(suspended), "exempted": len(exempt)})])
    return SweepResult(len(rows), suspended, sorted(exempt))


async def _suspend(session: AsyncSession, rows: Sequence[Any], actor: str) -> list[str]:
    """Suspend `rows` (candidates) that are still active; returns their numbers."""
    now, postgres = utcnow(), is_postgres(session)
    bare = [r for r in rows if r.version == 1 and not r.versioned]
    made_by = await creators(session, bare)
    if postgres:  # version 1 from the row as it is now, before the UPDATE
        await _first_versions_sql(session, bare, made_by)
    done = await _update(session, [r.number for r in rows], now)
    changed = [r for r in rows if r.number in done]
    if postgres:
        await _new_versions_sql(session, [r.number for r in changed], actor)
    else:
        await bulk_insert(session, EntityVersion, _version_rows(
            [r for r in bare if r.number in done], changed, made_by, actor, now))
    await bulk_insert(session, SubPortTransition, [
        {"sub_port_number": r.number, "from_status": "active", "to_status": "suspended",
         "reason": REASON, "actor": actor, "at": now} for r in changed])
    # The snapshot is in the version row; the audit entry names the version it made.
    await append_audits(session, AuditEvent, [AuditEntry(
        actor=actor, action="sub_port.suspended", entity=ENTITY, entity_id=r.number,
        province=r.province, data={"version": r.version + 1, "changed": ["status"],
                                   "status": "suspended", "reason": REASON}) for r in changed],
        write=lambda made: bulk_insert(session, AuditEvent, made))
    return [r.number for r in changed]


async def _update(session: AsyncSession, numbers: list[str], now: dt.datetime) -> set[str]:
    """One UPDATE ... RETURNING (parts of SQLITE_PART on SQLite); only active rows change."""
    size = len(numbers) if is_postgres(session) else SQLITE_PART
    done: set[str] = set()
    for start in range(0, len(numbers), size or 1):
        statement = (update(SubPort)
                     .where(numbers_among(session, SubPort.number, numbers[start:start + size]),
                            SubPort.status == "active")
                     .values(status="suspended", status_reason=REASON,
                             version=SubPort.version + 1, updated_at=now)
                     .returning(SubPort.number)
                     .execution_options(synchronize_session=False))
        done.update((await session.execute(statement)).scalars())
    return done


def _version_rows(bare: Sequence[Any], changed: Sequence[Any], made_by: dict[str, str],
                  actor: str, now: dt.datetime) -> list[dict[str, Any]]:
    """The versions as Python rows (SQLite): version 1 where none was kept, then the new."""
    rows = [version_row(ENTITY, r.number, 1, made_by.get(r.number, "unknown"), r.updated_at,
                        state, sorted(state)) for r in bare
            for state in [dict(zip(SNAPSHOT_KEYS, r, strict=False))]]
    return rows + [version_row(ENTITY, r.number, r.version + 1, actor, now, {
        **dict(zip(SNAPSHOT_KEYS, r, strict=False)), "status": "suspended",
        "status_reason": REASON}, ["status"]) for r in changed]


# PostgreSQL builds the snapshots itself (json_build_object, keys in snapshot() order): the
# same JSON snapshot() gives, without encoding 100,000 dicts in Python.
_SNAPSHOT_SQL = func.json_build_object(*chain.from_iterable(
    (literal_column(f"'{key}'"), _SUB[key]) for key in SNAPSHOT_KEYS))
_VERSION_COLUMNS = ["entity", "key", "version", "actor", "at", "snapshot", "changed"]


def _versions_from(actor: str, changed: list[str], numbers: list[str],
                   session: AsyncSession) -> Any:
    encoded = json.dumps(changed).replace("'", "''")
    return insert(EntityVersion).from_select(_VERSION_COLUMNS, select(
        literal(ENTITY), _SUB.number, _SUB.version, literal(actor), _SUB.updated_at,
        _SNAPSHOT_SQL, literal_column(f"'{encoded}'::json"))
        .where(numbers_among(session, SubPort.number, numbers)))


async def _first_versions_sql(session: AsyncSession, bare: Sequence[Any],
                              made_by: dict[str, str]) -> None:
    by_actor: dict[str, list[str]] = {}
    for r in bare:
        by_actor.setdefault(made_by.get(r.number, "unknown"), []).append(r.number)
    for creator, numbers in by_actor.items():
        await session.execute(_versions_from(creator, sorted(SNAPSHOT_KEYS), numbers, session))


async def _new_versions_sql(session: AsyncSession, numbers: list[str], actor: str) -> None:
    if numbers:
        await session.execute(_versions_from(actor, ["status"], numbers, session))
