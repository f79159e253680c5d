import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from porttrust_shared.db import utcnow
from porttrust_shared.deps import SessionDep
from porttrust_shared.fields import IsoDateTime
from registry.deps import Tracer
from registry.schemas.trace import TraceRead
from registry.service.trace import trace_number

router = APIRouter(tags=["trace"])


@router.get("/v1/trace/{number}", response_model=TraceRead, response_model_exclude_unset=True)
async def trace_number_at(number: str, session: SessionDep, actor: Tracer,
                          at: Annotated[IsoDateTime | None, Query()] = None) -> dict[str, Any]:
    """Who held, used and handled the number at `at` (default now), with room and equipment."""
    when = at if at is None or at.tzinfo else at.replace(tzinfo=dt.UTC)
    return await trace_number(session, number=number.strip(), at=when or utcnow(), actor=actor)
