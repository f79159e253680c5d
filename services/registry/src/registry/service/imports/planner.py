"""Planning one chunk of an import, with reads only: rows checked one by one, duplicates and
other provinces' rows refused, everything the chunk refers to loaded with a few IN queries,
each row's plan (create, change, nothing) and one blacklist call per 1,000 subjects. The
bulk writer (`writer.store`) then writes the plans; see `runner` for how chunks overlap."""

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import new_id, utcnow
from porttrust_shared.errors import DependencyUnavailable
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import carries_sms_content, check_uscc
from registry.clients import BlacklistChecker, Subject
from registry.models import Handler, Organization, Port, SubPort, WhitelistEntry
from registry.schemas.organizations import HandlerUpdate
from registry.schemas.ports import Backfill
from registry.service.campaigns import deadlines
from registry.service.completeness import newly_missing
from registry.service.imports import live
from registry.service.imports.bulk import among, numbers_among
from registry.service.imports.customers import customer_covered
from registry.service.imports.parsing import RawRow
from registry.service.imports.rows import ImportRow, RowError, shown_number, validate_row
from registry.service.ports import MIN_PORT_LEN
from registry.service.scope import visible
from registry.service.screening import Party, bars, handler_party, organization_party, restricted
from registry.service.sub_ports import FIELDS

CREDIT_BATCH = 1000  # credit's POST /v1/blacklist/check takes up to 1,000 subjects
# Rows handled between two turns of the event loop: a job stores one chunk while it plans
# the next, and each of the store's round trips waits for such a turn.
SLICE = 1000


@dataclass(slots=True)
class Outcome:
    row: int
    number: str | None
    outcome: str  # created | updated | unchanged | failed
    errors: list[RowError] = field(default_factory=list)
    backfill: Backfill | None = None  # rows asking to be live


Checked = ImportRow | list[RowError]


def check_rows(rows: list[RawRow]) -> list[Checked]:
    """Each row through the schema on its own: pure, so a job may check a chunk ahead."""
    return [validate_row(raw) for raw in rows]


@dataclass(slots=True)
class Plan:
    """What one valid row will do, once screening agrees. `values`: for a new sub-port
    every field of the row (None when not given), for an existing one the changes."""

    raw: RawRow
    data: ImportRow
    port: Port
    values: dict[str, Any]
    existing: SubPort | None
    parties: list[Party]
    live: bool = False  # the row makes the sub-port live (imports.live)
    missing: list[str] | None = None  # what it lacks after the row, for rows asking to be live


@dataclass(slots=True)
class Prepared:
    """A chunk planned and screened: what `writer.store` writes."""

    rows: list[RawRow]
    plans: list[Plan]
    ctx: "Lookups"
    covered: set[str]
    outcomes: dict[int, Outcome]


@dataclass
class Planner:
    """Plans the chunks of one file; the state it keeps across them: numbers seen so far (for
    duplicates), and what earlier chunks create. `source` names the file in the audit."""

    actor: Principal
    credit: BlacklistChecker
    cipher: PiiCipher
    source: str
    seen: dict[str, int] = field(default_factory=dict)
    known_orgs: set[str] = field(default_factory=set)
    # Handlers this file's earlier chunks create, by (ID-number index, user unit): a chunk
    # planned while the one before is still being stored cannot read them from the database.
    made_people: dict[tuple[str, str], Party] = field(default_factory=dict)

    async def prepare(self, session: AsyncSession, rows: list[RawRow],
                      checked: list[Checked] | None = None) -> "Prepared":
        """Everything a chunk will do, decided with reads only. What its rows create is
        remembered for the chunks after it until `forget` (its store failed)."""
        outcomes: dict[int, Outcome] = {}
        checked = checked or check_rows(rows)
        valid: list[tuple[RawRow, ImportRow]] = []
        for start in range(0, len(rows), SLICE):
            valid += self._validated(rows[start:start + SLICE],
                                     checked[start:start + SLICE], outcomes)
            await asyncio.sleep(0)
        ctx = await Lookups.load(session, [data for _, data in valid], self.cipher,
                                 self.known_orgs, self.made_people,
                                 self.actor.province_scope)
        plans = []
        for start in range(0, len(valid), SLICE):
            plans += [plan for raw, data in valid[start:start + SLICE]
                      if (plan := self._plan(raw, data, ctx, outcomes)) is not None]
            await asyncio.sleep(0)
        plans = await self._screened(session, plans, outcomes)
        covered = await _covered(session, [(p.data.number, p.data.province) for p in plans
                                           if p.existing is None])
        covered |= await customer_covered(session, plans)
        self._remember(plans, ctx)
        return Prepared(rows, plans, ctx, covered, outcomes)

    def forget(self) -> None:
        """A chunk's store failed: what it would have created is not there after all."""
        self.known_orgs.clear()
        self.made_people.clear()

    def _remember(self, plans: list[Plan], ctx: "Lookups") -> None:
        self.known_orgs |= {p.values["user_unit_uscc"] for p in plans
                            if p.values.get("user_unit_uscc")}
        made = {p.values.get("handler_id") for p in plans} & ctx.new_people.keys()
        for key, handler_id in ctx.people.items():
            if handler_id in made:
                self.made_people[key] = ctx.parties["handler", handler_id]

    def _validated(self, rows: list[RawRow], checked: list[Checked],
                   outcomes: dict[int, Outcome]) -> list[tuple[RawRow, ImportRow]]:
        """Checked rows, less duplicates of an earlier row and other provinces' rows."""
        valid = []
        scope = self.actor.province_scope
        seen = self.seen
        for raw, result in zip(rows, checked, strict=True):
            number = raw.values.get("number")  # a CSV row's values are stripped already
            if not raw.clean:
                number = str(number or "").strip()
            first = seen.setdefault(number, raw.row) if number else raw.row
            if first != raw.row:
                result = [RowError(raw.row, shown_number(number), "duplicate_number", "number",
                                   f"The number is also on row {first}; only that one counts.")]
            # `isinstance(result, list)`, not ImportRow: pydantic's ABC metaclass makes an
            # isinstance check against a model cost more than the rest of this loop.
            elif not isinstance(result, list) and scope not in (None, result.province):
                result = [RowError(raw.row, result.number, "other_province", "province",
                                   "A province-bound caller imports only its own province.")]
            if isinstance(result, list):
                outcomes[raw.row] = _failed(raw.row, result)
            else:
                valid.append((raw, result))
        return valid

    def _plan(self, raw: RawRow, data: ImportRow, ctx: "Lookups",
              outcomes: dict[int, Outcome]) -> Plan | None:
        port = ctx.port_for(data.number)
        problem = ctx.port_problem(data, port)
        if problem is None:
            assert port is not None
            existing = ctx.subs.get(data.number)
            plan = Plan(raw, data, port, _values(data, existing), existing, [])
            problem = (self._people(plan, ctx) or _change_problem(plan, ctx)
                       or live.live_problem(plan, ctx, ctx.now))
            if problem is None:
                if existing is None:
                    plan.parties = ctx.new_parties(plan, self.cipher)
                elif plan.values:
                    plan.parties = self._parties(plan, ctx)
                return plan
        outcomes[raw.row] = _failed(raw.row, [RowError(raw.row, data.number, *problem)])
        return None

    def _people(self, plan: Plan, ctx: "Lookups") -> tuple[str, str | None, str] | None:
        data = plan.data
        if data.user_unit_uscc and data.user_unit_uscc not in ctx.orgs:
            if data.user_unit_uscc in ctx.hidden_orgs and data.user_unit_name:
                # As POST /v1/organizations answers: the code is taken, nothing more is said.
                return ("uscc_registered", "user_unit_uscc",
                        "An organization with this USCC is registered already.")
            if not data.user_unit_name or data.user_unit_uscc in ctx.hidden_orgs:
                return ("unknown_user_unit", "user_unit_uscc",
                        "No registered organization; add user_unit_name to register it.")
            ctx.new_org(data)
        if data.handler_id:
            if not ctx.sees_handler(data.handler_id, self.actor):
                return ("unknown_handler", "handler_id", "handler_id names no handler you can see.")
        elif data.handler_id_number:
            plan.values["handler_id"] = ctx.person(data, self.cipher)
            if data.update_handler:
                ctx.note_update(plan.values["handler_id"], data, plan.raw.row)
        return None

    def _parties(self, plan: Plan, ctx: "Lookups") -> list[Party]:
        """Who must be screened: everyone for a new record, the changed people otherwise."""
        new = plan.existing is None or plan.existing.status == "cancelled" or plan.live
        parties = [ctx.org_party("holder", plan.port.holder_uscc)] if new else []
        unit = plan.values.get("user_unit_uscc")
        if unit and (new or "user_unit_uscc" in plan.values):
            parties.append(ctx.org_party("user_unit", unit))
        handler_id = plan.values.get("handler_id")
        if handler_id and (new or "handler_id" in plan.values):
            parties.append(ctx.party_of(handler_id, self.cipher))
        return parties

    async def _screened(self, session: AsyncSession, plans: list[Plan],
                        outcomes: dict[int, Outcome]) -> list[Plan]:
        """Local restrictions, then credit for every subject of the chunk at once. Credit
        down: the rows that needed screening fail with `credit_unavailable`."""
        # Rows share their Party objects (one per subject and chunk): each is asked about once.
        lists = {id(plan.parties): plan.parties for plan in plans}.values()
        parties = list({id(p): p for group in lists for p in group}.values())
        if not parties:
            return plans
        refused = {(p.kind, p.local_key) for p in await restricted(session, parties)}
        try:
            listed = await _blacklisted(self.credit, parties)
        except DependencyUnavailable:
            for plan in plans:
                if plan.parties:
                    _fail_plan(plan, outcomes, "credit_unavailable",
                               "Blacklist screening is unavailable; the row was not imported.")
            return [plan for plan in plans if not plan.parties]
        if not refused and not listed:
            return plans
        kept = []
        for plan in plans:
            if any((p.kind, p.local_key) in refused or (p.kind, p.key) in listed
                   for p in plan.parties):
                _fail_plan(plan, outcomes, "blacklisted",
                           "The holder, user unit or handler may not register.")
            else:
                kept.append(plan)
        return kept


def _values(data: ImportRow, existing: SubPort | None) -> dict[str, Any]:
    """What the row sets. A new sub-port: every field, None when not given (the model's own
    dict, copied only when a handler id will be filled in); an existing one: the given
    fields, narrowed to real changes later."""
    if existing is not None:
        return _given(data)
    return dict(data.__dict__) if data.handler_id_number else data.__dict__


def _given(data: ImportRow) -> dict[str, Any]:
    """The row's sub-port fields that hold a value, read from the model's own dict (a third
    faster than getattr per field: this runs for every row of every file)."""
    values = data.__dict__
    return {f: v for f in FIELDS if (v := values[f]) is not None}


def _failed(row: int, errors: list[RowError]) -> Outcome:
    return Outcome(row, errors[0].number if errors else None, "failed", errors)


def _fail_plan(plan: Plan, outcomes: dict[int, Outcome], code: str, detail: str) -> None:
    outcomes[plan.raw.row] = _failed(plan.raw.row, [
        RowError(plan.raw.row, plan.data.number, code, None, detail)])


async def _blacklisted(credit: BlacklistChecker, parties: list[Party]) -> set[tuple[str, str]]:
    subjects = sorted({(p.kind, p.key) for p in parties})
    listed: set[tuple[str, str]] = set()
    for start in range(0, len(subjects), CREDIT_BATCH):
        batch = subjects[start:start + CREDIT_BATCH]
        results = await credit.check([Subject(kind=k, key=v) for k, v in batch])
        listed |= {s for s, r in zip(batch, results, strict=True)
                   if r.blacklisted and bars(r.sanctions, "register")}
    return listed


def _port_problem(data: ImportRow, port: Port | None) -> tuple[str, str | None, str] | None:
    """The rules register_sub_port applies to the port, as row errors."""
    if not carries_sms_content(data.number):
        return "m2m_port", "number", "M2M ports (1064) carry no SMS sub-ports."
    if port is None:
        return "unknown_port", "number", "No registered port is a prefix of this number."
    if port.scope == "provincial" and port.province != data.province:
        return "port_province", "province", "A provincial port's sub-ports stay in its province."
    return None


def _change_problem(plan: Plan, ctx: "Lookups") -> tuple[str, str | None, str] | None:
    """For an existing number: keep only real changes; refuse what update_sub_port refuses."""
    sub = plan.existing
    if sub is None:
        return None
    if sub.province != plan.data.province:
        return "province_mismatch", "province", "The number is registered in another province."
    if sub.status == "cancelled":
        plan.values = {**plan.values, "status": "registered", "status_reason": None,
                       "port_number": plan.port.number}
        return None
    plan.values = {k: v for k, v in plan.values.items() if getattr(sub, k) != v}
    if plan.values.get("user_unit_uscc") and sub.status == "active" and sub.user_unit_uscc:
        return "sub_port_taken", "user_unit_uscc", "This sub-port serves another user unit."
    # A live sub-port may be completed step by step, never made less complete; the row's
    # own fields only: agreements and flags are no import's business.
    if sub.status == "active" and plan.values and newly_missing(
            live.missing_before(plan, ctx), live.missing_after(plan, ctx)):
        return "incomplete", None, "A change may not leave an active sub-port less complete."
    return None


class Lookups:
    """Everything a chunk refers to, loaded with a few IN queries."""

    def __init__(self) -> None:
        self.subs: dict[str, SubPort] = {}
        self.ports: dict[str, Port] = {}
        self.orgs: set[str] = set()
        # Another province's organisations the rows name: to the caller they do not exist.
        self.hidden_orgs: set[str] = set()
        self.handlers: dict[str, Handler] = {}
        self.people: dict[tuple[str, str], str] = {}
        self.new_orgs: dict[str, dict[str, Any]] = {}
        self.new_people: dict[str, dict[str, Any]] = {}
        # handler id -> (row, change): an existing handler's name and phone, as a row says
        self.handler_updates: dict[str, tuple[int, HandlerUpdate]] = {}
        self.parties: dict[tuple[str, str], Party] = {}
        self.port_sizes: list[int] = []
        self.seen_handlers: dict[str, bool] = {}
        self.port_problems: dict[tuple[Port, str], tuple[str, str | None, str] | None] = {}
        self.party_lists: dict[tuple[Port, str | None, str | None], list[Party]] = {}
        self.deadlines: dict[str, dt.datetime] = {}
        self.now = utcnow()

    @classmethod
    async def load(cls, session: AsyncSession, rows: list[ImportRow], cipher: PiiCipher,
                   known_orgs: set[str], made_people: dict[tuple[str, str], Party],
                   scope: str | None = None) -> "Lookups":
        """`known_orgs`: organizations earlier chunks found or created that the caller may
        name (they stay); `made_people`: handlers earlier chunks created, as screening
        parties; `scope`: the caller's province (None for HQ)."""
        self = cls()
        if not rows:
            return self
        numbers = {r.number for r in rows}
        self.subs = {s.number: s for s in await _all(session, select(SubPort).where(
            numbers_among(session, SubPort.number, numbers)))}
        # A port that prefixes a number sorts between the number's first 8 digits and it.
        low, high = min(n[:MIN_PORT_LEN] for n in numbers), max(numbers)
        self.ports = {p.number: p for p in await _all(session, select(Port).where(
            Port.number >= low, Port.number <= high))}
        self.port_sizes = sorted({len(n) for n in self.ports if len(n) >= MIN_PORT_LEN},
                                 reverse=True)
        units = {r.user_unit_uscc for r in rows if r.user_unit_uscc}
        unknown = units - known_orgs
        if unknown:
            orgs = await session.execute(select(Organization.uscc, Organization.province)
                                         .where(among(session, Organization.uscc, unknown)))
            for uscc, province in orgs.all():
                if scope in (None, province):
                    known_orgs.add(uscc)
                else:
                    self.hidden_orgs.add(uscc)
        self.orgs = units & known_orgs
        ids = {r.handler_id for r in rows if r.handler_id} | {
            s.handler_id for s in self.subs.values() if s.handler_id}
        self.deadlines = await deadlines(session, {r.province for r in rows
                                                   if r.status == "active"})
        named = {(cipher.blind_index(r.handler_id_number, field="id_number"),
                  r.user_unit_uscc or "") for r in rows if r.handler_id_number}
        indexes = {index for index, _ in named}
        if ids or indexes:
            found = await _all(session, select(Handler).where(or_(
                among(session, Handler.id, ids),
                among(session, Handler.id_number_index, indexes))))
            self.handlers = {h.id: h for h in found}
            self.people = {(h.id_number_index, h.organization_uscc): h.id for h in found}
        for key in named & made_people.keys() - self.people.keys():
            party = made_people[key]
            self.people[key] = party.shown["id"]
            self.parties["handler", party.shown["id"]] = party
        return self

    def org_party(self, kind: str, uscc: str) -> Party:
        if (kind, uscc) not in self.parties:
            self.parties[kind, uscc] = organization_party(kind, uscc)
        return self.parties[kind, uscc]

    def party_of(self, handler_id: str, cipher: PiiCipher) -> Party:
        """The handler as a screening party, its ID number decrypted once per chunk."""
        if ("handler", handler_id) not in self.parties:
            self.parties["handler", handler_id] = handler_party(self.handlers[handler_id], cipher)
        return self.parties["handler", handler_id]

    def port_problem(self, data: ImportRow, port: Port | None,
                     ) -> tuple[str, str | None, str] | None:
        """_port_problem, once per port and province: a number under a port shares the
        port's first digits, so its class (M2M or not) is the port's."""
        if port is None:
            return _port_problem(data, None)
        key = (port, data.province)
        if key not in self.port_problems:
            self.port_problems[key] = _port_problem(data, port)
        return self.port_problems[key]

    def new_parties(self, plan: Plan, cipher: PiiCipher) -> list[Party]:
        """Who a new sub-port's row names: its holder, user unit and handler. Rows naming the
        same ones share one list."""
        unit, handler_id = plan.values["user_unit_uscc"], plan.values["handler_id"]
        key = (plan.port, unit, handler_id)
        if key not in self.party_lists:
            parties = [self.org_party("holder", plan.port.holder_uscc)]
            if unit:
                parties.append(self.org_party("user_unit", unit))
            if handler_id:
                parties.append(self.party_of(handler_id, cipher))
            self.party_lists[key] = parties
        return self.party_lists[key]

    def port_for(self, number: str) -> Port | None:
        """The registered port that is the longest prefix of `number`."""
        for size in self.port_sizes:
            if size <= len(number) and (port := self.ports.get(number[:size])) is not None:
                return port
        return None

    def sees_handler(self, handler_id: str, actor: Principal) -> bool:
        """The handler exists and `actor` may see it (asked once per handler and chunk)."""
        if handler_id not in self.seen_handlers:
            handler = self.handlers.get(handler_id)
            self.seen_handlers[handler_id] = handler is not None and visible(
                actor, handler.province)
        return self.seen_handlers[handler_id]

    def new_org(self, data: ImportRow) -> None:
        """A user unit named on the row, registered with it (once per chunk)."""
        uscc = data.user_unit_uscc or ""
        if uscc in self.new_orgs:
            return
        now = utcnow()
        self.new_orgs[uscc] = {
            "uscc": uscc, "name": data.user_unit_name, "province": data.province,
            "roles": ["user_unit"], "contact": None,
            "uscc_review": check_uscc(uscc).needs_review, "version": 1, "created_at": now,
            "updated_at": now}

    def note_update(self, handler_id: str, data: ImportRow, row: int) -> None:
        """The row asks to bring an existing handler's name and phone up to date."""
        if handler_id in self.handlers:
            self.handler_updates[handler_id] = (row, HandlerUpdate(name=data.handler_name,
                                                                    phone=data.handler_phone))

    def person(self, data: ImportRow, cipher: PiiCipher) -> str:
        """The handler id for the row's person fields: found by blind index, or a new one.
        An existing handler's name and phone change only when the row says update_handler."""
        index = cipher.blind_index(data.handler_id_number or "", field="id_number")
        key = (index, data.user_unit_uscc or "")
        if key in self.people:
            return self.people[key]
        now, handler_id = utcnow(), new_id()
        row: dict[str, Any] = {"id": handler_id, "organization_uscc": data.user_unit_uscc,
               "province": data.province,
               "name_enc": cipher.encrypt(data.handler_name or "", field="name"),
               "id_number_enc": cipher.encrypt(data.handler_id_number or "", field="id_number"),
               "id_number_index": index,
               "phone_enc": cipher.encrypt(data.handler_phone or "", field="phone"),
               "phone_index": cipher.blind_index(data.handler_phone or "", field="phone"),
               "verification_status": "unverified", "version": 1, "created_at": now,
               "updated_at": now}
        self.new_people[handler_id] = row
        self.people[key] = handler_id
        self.parties["handler", handler_id] = Party(
            "handler", data.handler_id_number or "", index, {"kind": "handler", "id": handler_id})
        return handler_id


async def _all(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).scalars().all())


async def _covered(session: AsyncSession, numbers: list[tuple[str, str]]) -> set[str]:
    """Which of `numbers` (number, province) a live whitelist entry of that province covers
    (on the number or a prefix): the live entries are few, so they are read once per chunk."""
    if not numbers:
        return set()
    now = utcnow()
    live: dict[str, set[str | None]] = {}
    for number, province in (await session.execute(
            select(WhitelistEntry.number, WhitelistEntry.province).where(
                WhitelistEntry.number.is_not(None), WhitelistEntry.revoked_at.is_(None),
                or_(WhitelistEntry.expires_at.is_(None), WhitelistEntry.expires_at > now)))):
        live.setdefault(str(number), set()).add(province)
    if not live:
        return set()
    return {n for n, province in numbers if any(
        live.get(n[:i], set()) & {None, province} for i in range(1, len(n) + 1))}

