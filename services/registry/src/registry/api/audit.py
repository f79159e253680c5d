from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends

from porttrust_shared.deps import SessionDep, require_roles
from porttrust_shared.pagination import Page
from porttrust_shared.tokens import Principal
from registry.deps import Cursor, Limit, SettingsDep
from registry.schemas.ports import SanctionDecision, SanctionReviewRead
from registry.service import sanctions

router = APIRouter()
ReviewReader = Annotated[Principal, Depends(require_roles(
    "hq_admin", "province_operator", "auditor", "service", "whitelist_admin"))]
Decider = Annotated[Principal, Depends(require_roles("whitelist_admin", "hq_admin"))]
DECIDE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such review (or another province's)"},
    409: {"description": "Already decided"}}


@router.get("/v1/sanction-reviews", tags=["sanctions"])
async def list_sanction_reviews(session: SessionDep, actor: ReviewReader, settings: SettingsDep,
                                limit: Limit = None, cursor: Cursor = None,
                                status: Literal["open", "decided"] | None = None,
                                ) -> Page[SanctionReviewRead]:
    """Whitelisted sub-ports a sanction did not suspend: open ones wait for a person."""
    rows, after = await sanctions.list_reviews(session, actor=actor, limit=limit, cursor=cursor,
                                               status=status, max_limit=settings.page_limit_max)
    return Page(items=[SanctionReviewRead.model_validate(r) for r in rows], next_cursor=after)


@router.post("/v1/sanction-reviews/{review_id}/decide", tags=["sanctions"],
             responses=DECIDE_RESPONSES)
async def decide_sanction_review(review_id: int, data: SanctionDecision, session: SessionDep,
                                 actor: Decider) -> SanctionReviewRead:
    """Keep the whitelisted sub-port active, or suspend it after all; audited."""
    review = await sanctions.decide_review(session, review_id=review_id, data=data,
                                           actor=actor)
    return SanctionReviewRead.model_validate(review)
