"""Whitelist customer combing (notice §7) as counts: who each province must comb, and which
it has decided (`applied`: an application names the customer; `not_needed`)."""

import csv
import io
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import NotFound, Unprocessable
from porttrust_shared.pagination import Keyset
from porttrust_shared.pii import scrub
from porttrust_shared.tokens import Principal
from porttrust_shared.validators import PROVINCES, check_uscc
from whitelist.models import AuditEvent, CombingCustomer
from whitelist.schemas import (
    CombingCounts,
    CombingDecideIn,
    CombingRowError,
    CombingUploadRead,
)
from whitelist.service.scope import in_scope

MAX_ROWS = 100_000
LISTING = Keyset(CombingCustomer.uscc)


async def candidate_from_registry(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Registry's `combing.candidate`: a unit with public-service business (or, with
    `public_service` null, no longer); registry's province is the customer's."""
    try:
        uscc, category = check_uscc(str(payload["uscc"])).value, payload.get("public_service")
        province = str(payload["province"])
    except (KeyError, ValueError):
        raise Unprocessable("The event payload does not follow the contract.") from None
    row = await session.get(CombingCustomer, uscc)
    if row is None and category is None:
        return
    if row is None:
        row = CombingCustomer(uscc=uscc, province=province, created_at=utcnow())
        session.add(row)
    row.province, row.from_registry = province, category
    if category is None and row.uploaded_by is None and row.decision is None:
        await session.delete(row)
    await session.flush()


def _province(actor: Principal, province: str | None) -> str:
    """HQ names the province; a province token combs its own (another is 404)."""
    wanted = province or actor.province_scope
    if wanted is None:
        raise Unprocessable("province is required when uploading from HQ.")
    if wanted not in PROVINCES or not in_scope(wanted, actor):
        raise NotFound("No such province.")
    return wanted


def _usccs(body: bytes, ndjson: bool) -> list[tuple[int, str | None]]:
    """(line, USCC or None when the row is unreadable); CSV needs a `uscc` column."""
    text = body.decode("utf-8-sig", errors="replace")
    if ndjson:
        rows: list[tuple[int, str | None]] = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    value = json.loads(line, parse_constant=lambda _: None).get("uscc")
                except (ValueError, AttributeError, RecursionError):  # deep nesting too
                    value = None
                rows.append((n, value if isinstance(value, str) else None))
        return rows
    reader = csv.DictReader(io.StringIO(text))
    if "uscc" not in (reader.fieldnames or []):
        raise Unprocessable("The file needs a `uscc` column.", code="missing_columns",
                            missing=["uscc"])
    return [(n + 1, row.get("uscc")) for n, row in enumerate(reader, 1)]


async def upload_customers(session: AsyncSession, *, body: bytes, ndjson: bool,
                           province: str | None, actor: Principal) -> CombingUploadRead:
    """A province's own list of customers to comb; re-uploading adds nothing twice."""
    where = _province(actor, province)
    rows = _usccs(body, ndjson)[:MAX_ROWS]
    added, already, errors = 0, 0, []
    for line, raw in rows:
        try:
            uscc = check_uscc(raw or "").value
        except ValueError:
            errors.append(CombingRowError(row=line, code="bad_uscc" if raw else "bad_row"))
            continue
        row = await session.get(CombingCustomer, uscc)
        if row is not None and row.province != where:
            errors.append(CombingRowError(row=line, code="other_province"))
        elif row is not None:
            already += 1
            row.uploaded_by = row.uploaded_by or actor.sub
        else:
            session.add(CombingCustomer(uscc=uscc, province=where, uploaded_by=actor.sub,
                                        created_at=utcnow()))
            added += 1
        await session.flush()
    await append_audit(session, AuditEvent, actor=actor.sub, action="combing.uploaded",
                       entity="province", entity_id=where, province=where,
                       data={"added": added, "already_listed": already, "errors": len(errors)})
    return CombingUploadRead(added=added, already_listed=already, errors=errors)


async def get_customer(session: AsyncSession, *, uscc: str,
                       actor: Principal) -> CombingCustomer:
    row = await session.get(CombingCustomer, uscc.strip().upper())
    if row is None or not in_scope(row.province, actor):
        raise NotFound("No such customer to comb.")
    return row


async def decide_customer(session: AsyncSession, *, uscc: str, data: CombingDecideIn,
                          actor: Principal) -> CombingCustomer:
    """Combed: an application was made for it, or it needs none. A later decision replaces
    an earlier one; each is audited."""
    row = await get_customer(session, uscc=uscc, actor=actor)
    row.decision, row.decided_by, row.decided_at = data.decision.value, actor.sub, utcnow()
    row.note = None if data.note is None else scrub(data.note)
    await session.flush()
    await append_audit(session, AuditEvent, actor=actor.sub, action="combing.decided",
                       entity="combing_customer", entity_id=row.uscc, province=row.province,
                       data={"decision": row.decision})
    return row


async def list_customers(session: AsyncSession, *, actor: Principal, province: str | None,
                         combed: bool | None, cursor: str | None, limit: int | None,
                         max_limit: int = 500) -> tuple[list[CombingCustomer], str | None]:
    query = select(CombingCustomer)
    if (wanted := province or actor.province_scope) is not None:
        if not in_scope(wanted, actor):
            return [], None
        query = query.where(CombingCustomer.province == wanted)
    if combed is not None:
        query = query.where(CombingCustomer.decision.is_not(None) if combed
                            else CombingCustomer.decision.is_(None))
    return await LISTING.page(session, query, cursor=cursor, limit=limit, max_limit=max_limit)


async def combing_counts(session: AsyncSession,
                         provinces: list[str]) -> dict[str, CombingCounts]:
    rows = await session.execute(
        select(CombingCustomer.province, CombingCustomer.decision, func.count())
        .where(CombingCustomer.province.in_(provinces))
        .group_by(CombingCustomer.province, CombingCustomer.decision))
    tally: dict[str, dict[str | None, int]] = {p: {} for p in provinces}
    for province, decision, count in rows:
        tally[province][decision] = int(count)
    return {p: _counts(t) for p, t in tally.items()}


def _counts(tally: dict[str | None, int]) -> CombingCounts:
    applied, not_needed = tally.get("applied", 0), tally.get("not_needed", 0)
    customers = sum(tally.values())
    combed = applied + not_needed
    return CombingCounts(customers=customers, combed=combed, applied=applied,
                         not_needed=not_needed,
                         rate=round(combed / customers, 4) if customers else None)
