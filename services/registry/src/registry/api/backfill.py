
from fastapi import APIRouter

from porttrust_shared.deps import SessionDep
from porttrust_shared.pagination import Page
from registry.deps import (
    Cursor,
    HqAdmin,
    Limit,
    Reader,
    ReportReader,
    SettingsDep,
    WhitelistDep,
    Writer,
)
from registry.schemas.enforcement import (
    BackfillReport,
    CampaignIn,
    CampaignRead,
    EnforcementIn,
    EnforcementRead,
    QueueItem,
)
from registry.schemas.fields import Province
from registry.service import backfill as svc
from registry.service import campaigns

router = APIRouter(tags=["back-fill"])


@router.get("/v1/backfill/report")
async def get_backfill_report(session: SessionDep, actor: ReportReader) -> BackfillReport:
    """Per province: complete vs incomplete sub-ports and what is missing how often."""
    return await svc.backfill_report(session, actor=actor)


@router.get("/v1/backfill/queue")
async def get_backfill_queue(session: SessionDep, actor: Reader, settings: SettingsDep,
                             province: Province | None = None, limit: Limit = None,
                             cursor: Cursor = None) -> Page[QueueItem]:
    """Incomplete sub-ports of a province, by priority (volume, value, importance)."""
    items, after = await svc.backfill_queue(session, actor=actor, province=province,
                                            limit=limit, cursor=cursor,
                                            max_limit=settings.page_limit_max)
    return Page(items=items, next_cursor=after)


@router.post("/v1/backfill/enforcement")
async def enforce_backfill_deadline(data: EnforcementIn, session: SessionDep, actor: Writer,
                                    whitelist: WhitelistDep) -> EnforcementRead:
    """At the deadline, suspend incomplete active sub-ports unless whitelisted (`dry_run`)."""
    return await svc.enforce_deadline(session, data=data, actor=actor, whitelist=whitelist)


@router.put("/v1/backfill/campaigns/{province}")
async def put_backfill_campaign(province: Province, data: CampaignIn, session: SessionDep,
                                actor: HqAdmin) -> CampaignRead:
    """Set a province's back-fill deadline (and when templates are enforced); idempotent."""
    campaign = await campaigns.put_campaign(session, province=province, data=data, actor=actor)
    return campaigns.to_read(campaign)


@router.get("/v1/backfill/campaigns")
async def list_backfill_campaigns(session: SessionDep, actor: ReportReader,
                                  settings: SettingsDep, limit: Limit = None,
                                  cursor: Cursor = None) -> Page[CampaignRead]:
    """Back-fill campaigns by province; a province operator sees its own."""
    rows, after = await campaigns.list_campaigns(session, actor=actor, limit=limit,
                                                 cursor=cursor, max_limit=settings.page_limit_max)
    return Page(items=[campaigns.to_read(c) for c in rows], next_cursor=after)
