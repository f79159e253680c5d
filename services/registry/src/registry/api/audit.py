from fastapi import APIRouter

from porttrust_shared.deps import SessionDep
from porttrust_shared.pagination import Page
from registry.deps import Cursor, Limit, Reader, SettingsDep
from registry.schemas import SanctionReviewRead
from registry.service import sanctions

router = APIRouter()


@router.get("/v1/sanction-reviews", tags=["sanctions"])
async def list_sanction_reviews(session: SessionDep, actor: Reader, settings: SettingsDep,
                                limit: Limit = None,
                                cursor: Cursor = None) -> Page[SanctionReviewRead]:
    """Whitelisted sub-ports a sanction did not suspend: waiting for a person."""
    rows, after = await sanctions.list_reviews(session, actor=actor, limit=limit, cursor=cursor,
                                               max_limit=settings.page_limit_max)
    return Page(items=[SanctionReviewRead.model_validate(r) for r in rows], next_cursor=after)
