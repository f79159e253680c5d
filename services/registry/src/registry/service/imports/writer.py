"""Writing a planned chunk in bulk: new user units and handlers, new sub-ports (on PostgreSQL
through a staging table, see below), changes with a version row per created or changed
record, transitions and one audit entry per chunk. Re-running a file changes nothing:
identical rows are `unchanged`, changed ones get a new version, a number never gets a second
row."""

import datetime as dt
from collections import Counter
from operator import itemgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.changes import mark_written
from porttrust_shared.db import is_postgres, utcnow
from porttrust_shared.pii import PiiCipher
from registry.models import (
    AuditEvent,
    EntityVersion,
    Handler,
    Organization,
    SubPort,
    SubPortTransition,
)
from registry.service import handlers as handler_svc
from registry.service import organizations as org_svc
from registry.service.coverage import announce_units
from registry.service.imports import live
from registry.service.imports.bulk import bulk_insert, raw_connection
from registry.service.imports.customers import reflag_reassigned, unit_changes
from registry.service.imports.planner import Lookups, Outcome, Plan, Planner, Prepared
from registry.service.sub_ports import ENTITY, FIELDS, creators, unversioned
from registry.service.sub_ports import snapshot as sub_snapshot
from registry.service.versions import apply_changes, version_row


async def store(session: AsyncSession, planner: Planner, prepared: Prepared) -> list[Outcome]:
    """Write a prepared chunk in the session's transaction (the caller commits)."""
    plans, outcomes = prepared.plans, prepared.outcomes
    changes = unit_changes(plans)
    await reflag_reassigned(session, plans)
    await _write(session, plans, prepared.ctx, prepared.covered, planner.actor.sub,
                 planner.cipher)
    await announce_units(session, changes)
    now, ctx = utcnow(), prepared.ctx
    facts = await live.surroundings(session, plans, ctx)
    for plan in plans:
        kind = "created" if plan.existing is None else (
            "updated" if plan.values else "unchanged")
        outcomes[plan.raw.row] = Outcome(plan.raw.row, plan.data.number, kind,
                                         backfill=live.backfill(plan, ctx, now, facts))
    await _audit(session, planner, plans)
    return [outcomes[raw.row] for raw in prepared.rows]


async def _audit(session: AsyncSession, planner: Planner, plans: list[Plan]) -> None:
    changed = [p for p in plans if p.existing is None or p.values]
    if not changed:
        return
    counts = Counter("created" if p.existing is None else "updated" for p in changed)
    data: dict[str, Any] = {"counts": dict(counts),
                            "numbers": sorted(p.data.number for p in changed)}
    if made_live := sorted(p.data.number for p in changed if p.live):
        data["live"] = made_live
    await append_audit(session, AuditEvent, actor=planner.actor.sub, action="sub_port.imported",
                       entity="import", entity_id=planner.source,
                       province=planner.actor.province_scope, data=data)


async def _write(session: AsyncSession, plans: list[Plan], ctx: Lookups, covered: set[str],
                 actor: str, cipher: PiiCipher) -> None:
    """New sub-ports get no version row: never changed, their row is their version 1 (see
    registry.service.sub_ports). A changed one first gets its version 1 if it had none."""
    now = utcnow()
    versions: list[dict[str, Any]] = []
    await _write_people(session, plans, ctx, actor, cipher, versions)
    new = [p for p in plans if p.existing is None]
    if is_postgres(session):
        await _insert_new_postgres(session, new, covered, now)
    else:
        await bulk_insert(session, SubPort, [_new_row(p, p.data.number in covered, now)
                                             for p in new])
    changing = [p.existing for p in plans if p.existing is not None and p.values]
    versions += await _first_versions(session, changing)
    steps = live.transitions(plans, actor, now)
    for plan in plans:
        if plan.existing is not None and plan.values:
            sub = plan.existing
            changed = apply_changes(sub, plan.values)
            sub.version += 1
            sub.updated_at = now
            versions.append(version_row(ENTITY, sub.number, sub.version, actor, now,
                                     sub_snapshot(sub), changed))
    await session.flush()
    await bulk_insert(session, EntityVersion, versions)
    await bulk_insert(session, SubPortTransition, steps)


async def _first_versions(session: AsyncSession, subs: list[SubPort]) -> list[dict[str, Any]]:
    """Version 1 of each sub-port about to change that never kept one, from its state now."""
    bare = await unversioned(session, [s.number for s in subs if s.version == 1])
    firsts = [s for s in subs if s.number in bare]
    made_by = await creators(session, firsts)
    return [version_row(ENTITY, s.number, 1, made_by.get(s.number, "unknown"), s.updated_at,
                     state, sorted(state))
            for s in firsts for state in [sub_snapshot(s)]]


NEW_COLUMNS = ("number", "port_number", "province", "status", "status_reason", "whitelisted",
               "version", "created_at", "updated_at", *FIELDS)

def _new_row(plan: Plan, whitelisted: bool, now: dt.datetime) -> dict[str, Any]:
    values = plan.values
    return {"number": plan.data.number, "port_number": plan.port.number,
            "province": plan.data.province, **_status(plan.live),
            "whitelisted": whitelisted, "version": 1, "created_at": now, "updated_at": now,
            **{f: values.get(f) for f in FIELDS}}


# New sub-ports on PostgreSQL: rows of one chunk share a few "shapes" (port, unit, handler,
# purpose, machine room, ...), so only each row's number, shape and counts are copied into a
# temporary table and the shapes are sent once, as arrays; one INSERT ... SELECT joins them.
# That sends a fifth of the bytes a full COPY would, and encodes a fifth as many values.
COUNTS = ("monthly_volume", "value_contribution", "customer_importance")
SHAPE = ("port_number", "province", "whitelisted", "status", "status_reason",
         *(f for f in FIELDS if f not in COUNTS))
_NEW_SELECT = ("n.number", "s.port_number", "s.province", "s.status", "s.status_reason",
               "s.whitelisted", "1", "$1::timestamptz", "$1::timestamptz",
               *(f"n.{f}" if f in COUNTS else f"s.{f}" for f in FIELDS))
_STAGE = ("CREATE TEMP TABLE IF NOT EXISTS import_new (number varchar(21), shape integer, "
          "monthly_volume bigint, value_contribution bigint, customer_importance integer) "
          "ON COMMIT DROP; TRUNCATE import_new")
_ARRAYS = ", ".join(f"${i}::{'boolean' if c == 'whitelisted' else 'varchar'}[]"
                    for i, c in enumerate(SHAPE, start=2))
_INSERT = (
    f"INSERT INTO sub_ports ({', '.join(NEW_COLUMNS)}) "
    f"SELECT {', '.join(_NEW_SELECT)} FROM import_new AS n "
    f"JOIN unnest({_ARRAYS}) WITH ORDINALITY AS s({', '.join(SHAPE)}, shape) "
    "ON s.shape = n.shape")


async def _insert_new_postgres(session: AsyncSession, new: list[Plan], covered: set[str],
                               now: dt.datetime) -> None:
    """Insert the chunk's new sub-ports (no version rows) in three round trips."""
    if not new:
        return
    shapes: dict[tuple[Any, ...], int] = {}
    records = []
    shape_of = itemgetter("province", *SHAPE[5:])
    row_of = itemgetter("number", *COUNTS)
    for plan in new:
        values = plan.values
        number, volume, value, importance = row_of(values)
        key = (plan.port, number in covered, plan.live, shape_of(values))
        shape = shapes.get(key) or shapes.setdefault(key, len(shapes) + 1)
        records.append((number, shape, volume, value, importance))
    columns: list[list[Any]] = [list(column) for column in zip(*(
        (port.number, province, whitelisted, *_status(made_live).values(), *rest)
        for port, whitelisted, made_live, (province, *rest) in shapes), strict=True)]
    driver = await raw_connection(session)
    await driver.execute(_STAGE)
    await driver.copy_records_to_table("import_new", records=records)
    await driver.execute(_INSERT, now, *columns)
    mark_written(session, "sub_ports")  # the ORM did not see it: caches reading it drop


def _status(made_live: bool) -> dict[str, str | None]:
    return ({"status": "active", "status_reason": live.LIVE_REASON} if made_live
            else {"status": "registered", "status_reason": None})


async def _write_people(session: AsyncSession, plans: list[Plan], ctx: Lookups, actor: str,
                        cipher: PiiCipher, versions: list[dict[str, Any]]) -> None:
    """The user units and handlers the surviving rows refer to, with their first version."""
    units = {p.values.get("user_unit_uscc") for p in plans}
    orgs = [org for uscc, org in ctx.new_orgs.items() if uscc in units]
    ids = {p.values.get("handler_id") for p in plans}
    people = [person for key, person in ctx.new_people.items() if key in ids]
    if orgs:
        await bulk_insert(session, Organization, orgs)
        for org in orgs:
            snap = org_svc.snapshot(Organization(**org))
            versions.append(version_row(org_svc.ENTITY, org["uscc"], 1, actor, org["updated_at"],
                                     snap, sorted(snap)))
    surviving = {p.raw.row for p in plans}
    for handler_id, (row, change) in ctx.handler_updates.items():
        if row in surviving:
            await handler_svc.change_handler(session, ctx.handlers[handler_id], change,
                                             actor=actor, cipher=cipher)
    if people:
        await bulk_insert(session, Handler, people)
        for person in people:
            snap = handler_svc.snapshot(Handler(**person), cipher)
            versions.append(version_row(handler_svc.ENTITY, person["id"], 1, actor,
                                     person["updated_at"], snap,
                                     ["id_number", "name", "organization_uscc", "phone"]))

