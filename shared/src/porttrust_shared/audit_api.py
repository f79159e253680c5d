"""`GET /v1/audit-events` and `/v1/audit-events/verify`, the same in every service."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.audit import AuditEventMixin, verify_chain
from porttrust_shared.deps import SessionDep, require_roles
from porttrust_shared.pagination import Page, clamp_limit, cursor_values, page_of
from porttrust_shared.tokens import Principal

Order = Literal["asc", "desc"]
# Module level: the route signatures below are resolved by name (postponed annotations).
Auditor = Annotated[Principal, Depends(require_roles("auditor", "hq_admin"))]
Text = Annotated[str | None, Query(max_length=128)]
CursorQ = Annotated[str | None, Query(max_length=512)]
LimitQ = Annotated[int | None, Query(ge=1)]


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    at: dt.datetime
    actor: str
    province: str | None
    action: str
    entity: str
    entity_id: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


class ChainReportRead(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


async def read_audit_page(
    session: AsyncSession, model: type[AuditEventMixin], *, actor: Principal,
    filters: dict[str, str | None], order: Order, cursor: str | None, limit: int,
) -> tuple[list[AuditEventMixin], str | None]:
    """A page of the chain; a province-bound caller sees only its province's entries."""
    column = model.seq
    query = select(model).order_by(column.asc() if order == "asc" else column.desc())
    if actor.province_scope is not None:
        query = query.where(model.province == actor.province_scope)
    for field, value in filters.items():
        if value:
            query = query.where(getattr(model, field) == value)
    if (after := cursor_values(cursor, int)) is not None:
        query = query.where(column > after[0] if order == "asc" else column < after[0])
    rows = list((await session.execute(query.limit(limit + 1))).scalars().all())
    return page_of(rows, limit, lambda e: [e.seq])


def audit_router(model: type[AuditEventMixin], *, default_order: Order = "asc",
                 max_limit: int = 500) -> APIRouter:
    """Routes for auditors and HQ to read and verify `model`'s hash chain."""
    router = APIRouter(tags=["audit"])

    @router.get("/v1/audit-events")
    async def list_audit_events(
        session: SessionDep, actor: Auditor, entity: Text = None, entity_id: Text = None,
        action: Text = None, order: Order = default_order,
        cursor: CursorQ = None, limit: LimitQ = None,
    ) -> Page[AuditEventRead]:
        """The audit chain, a page at a time; personal data in it is masked."""
        rows, after = await read_audit_page(
            session, model, actor=actor, order=order, cursor=cursor,
            limit=clamp_limit(limit, max_limit),
            filters={"entity": entity, "entity_id": entity_id, "action": action})
        return Page(items=[AuditEventRead.model_validate(r) for r in rows], next_cursor=after)

    @router.get("/v1/audit-events/verify")
    async def verify_audit_events(session: SessionDep, actor: Auditor) -> ChainReportRead:
        """Recompute the hash chain: ok, or the first entry that was altered or is missing."""
        report = await verify_chain(session, model)
        return ChainReportRead(ok=report.ok, checked=report.checked,
                               first_bad_seq=report.first_bad_seq, problem=report.problem)

    return router
