"""Commercial self-inspection (自查整改, R5): what each marketing sub-port still fails.

Failure codes: `signature_not_registered` (a template signs with what is not an approved
signature of the unit), `signature_not_naming_unit` (…and not the unit's name either),
`opt_out_instruction_missing` (a template tells no way out), `no_reply_channel` (no reply
received in the last REPLY_WINDOW), `opt_out_not_honoured` (a check allowed a message to a
phone after it opted out of that sub-port: must never happen).
"""

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import NotFound
from porttrust_shared.pagination import clamp_limit, cursor_values, page_of
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import PROVINCES
from registry.models import (
    MessageTemplate,
    MoMessage,
    OptOut,
    Organization,
    SendLogEntry,
    Signature,
    SubPort,
)
from registry.schemas.reports import SELF_CHECK_CODES
from registry.service.matching.keywords import has_opt_out_instruction
from registry.service.matching.normalize import split_signature
from registry.service.signatures import names_unit

REPLY_WINDOW = dt.timedelta(days=30)


def _provinces(actor: Principal, province: str | None) -> list[str]:
    scope = actor.province_scope
    if province is not None and (province not in PROVINCES or scope not in (None, province)):
        raise NotFound("No such province.")
    wanted = province or scope
    return [wanted] if wanted else sorted(PROVINCES)


def _marketing(provinces: list[str]) -> Select[Any]:
    return select(SubPort.number).where(SubPort.business_type == "marketing",
                                        SubPort.status != "cancelled",
                                        SubPort.province.in_(provinces))


async def _template_failures(session: AsyncSession, subs: list[SubPort],
                             provinces: list[str]) -> dict[str, set[str]]:
    units = {s.number: s.user_unit_uscc for s in subs}
    names = dict((await session.execute(select(Organization.uscc, Organization.name).where(
        Organization.uscc.in_(select(SubPort.user_unit_uscc).where(
            SubPort.number.in_(_marketing(provinces))))))).all())
    approved = await session.execute(select(Signature.organization_uscc, Signature.text).where(
        Signature.status == "approved",
        Signature.organization_uscc.in_(set(units.values()) - {None})))
    signed = {(unit, text) for unit, text in approved}
    failures: dict[str, set[str]] = defaultdict(set)
    rows = await session.execute(select(MessageTemplate).where(
        MessageTemplate.status != "rejected",
        MessageTemplate.sub_port_number.in_(_marketing(provinces))))
    for row in rows.scalars():
        unit = units.get(row.sub_port_number)
        signature = split_signature(row.text)[0] or ""  # also for a template from before
        if (unit, signature) not in signed:
            failures[row.sub_port_number].add("signature_not_registered")
            if not names_unit(signature, names.get(unit or "", "")):
                failures[row.sub_port_number].add("signature_not_naming_unit")
        if not has_opt_out_instruction(row.text):
            failures[row.sub_port_number].add("opt_out_instruction_missing")
    return failures


async def _replied(session: AsyncSession, provinces: list[str], now: dt.datetime) -> set[str]:
    return set((await session.execute(select(MoMessage.sub_port_number).distinct().where(
        MoMessage.received_at >= now - REPLY_WINDOW,
        MoMessage.sub_port_number.in_(_marketing(provinces))))).scalars())


async def _not_honoured(session: AsyncSession, provinces: list[str]) -> dict[str, int]:
    """Allowed checks to a phone after it said no to that sub-port, from the send log: counted
    from when the reply was received, so a reply a person decided late counts too."""
    rows = await session.execute(
        select(SendLogEntry.sub_port_number, func.count())
        .join(OptOut, (OptOut.sub_port_number == SendLogEntry.sub_port_number)
              & (OptOut.phone_index == SendLogEntry.recipient_index))
        .where(SendLogEntry.allowed.is_(True), SendLogEntry.checked_at > OptOut.received_at,
               SendLogEntry.sub_port_number.in_(_marketing(provinces)))
        .group_by(SendLogEntry.sub_port_number))
    return {number: int(count) for number, count in rows}


def _item(sub: SubPort, codes: set[str], not_honoured: int) -> dict[str, Any]:
    return {"number": sub.number, "province": sub.province, "status": sub.status,
            "user_unit_uscc": sub.user_unit_uscc,
            "failures": [c for c in SELF_CHECK_CODES if c in codes],
            "opt_outs_not_honoured": not_honoured}


async def commercial_self_check(session: AsyncSession, *, actor: Principal,
                                province: str | None, limit: int | None, cursor: str | None,
                                max_limit: int) -> dict[str, Any]:
    """Totals per province over every marketing sub-port; the sub-ports a page at a time."""
    provinces = _provinces(actor, province)
    items = await _items(session, provinces)
    size, start = clamp_limit(limit, max_limit), cursor_values(cursor, str)
    rest = [i for i in items if start is None or i["number"] > start[0]]
    page, after = page_of(rest, size, lambda item: [item["number"]])
    return {"generated_at": utcnow(), "reply_window_days": REPLY_WINDOW.days,
            "totals": _totals(provinces, items), "items": page, "next_cursor": after}


async def _items(session: AsyncSession, provinces: list[str]) -> list[dict[str, Any]]:
    now = utcnow()
    subs = list((await session.execute(select(SubPort).where(
        SubPort.number.in_(_marketing(provinces))).order_by(SubPort.number))).scalars())
    failures = await _template_failures(session, subs, provinces)
    replied, not_honoured = await _replied(session, provinces, now), \
        await _not_honoured(session, provinces)
    items = []
    for sub in subs:
        codes = failures.get(sub.number, set())
        codes |= set() if sub.number in replied else {"no_reply_channel"}
        codes |= {"opt_out_not_honoured"} if not_honoured.get(sub.number) else set()
        items.append(_item(sub, codes, not_honoured.get(sub.number, 0)))
    return items


def _totals(provinces: list[str], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_province: dict[str, list[dict[str, Any]]] = {p: [] for p in provinces}
    for item in items:
        by_province[item["province"]].append(item)
    totals = []
    for code, rows in by_province.items():
        counted = Counter(c for row in rows for c in row["failures"])
        totals.append({"province": code, "name": PROVINCES[code], "marketing_sub_ports": len(rows),
                       "failing": sum(1 for row in rows if row["failures"]),
                       "failures": {c: counted.get(c, 0) for c in SELF_CHECK_CODES},
                       "opt_outs_not_honoured": sum(r["opt_outs_not_honoured"] for r in rows)})
    return totals
