"""Back-fill campaigns (R2): one per province, its deadline and when templates are enforced.

`backfill` on a sub-port: `complete` when nothing is missing; `pending` while something is
missing and the province's deadline has not passed (or it has no campaign); `overdue` once
it has. State is worked out when answered, never stored, so it cannot go stale.
"""

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import utcnow
from porttrust_shared.errors import Unprocessable
from porttrust_shared.tokens import Principal
from registry.models import BackfillCampaign
from registry.schemas.enforcement import CampaignIn, CampaignRead
from registry.schemas.ports import Backfill
from registry.service.monitoring import enforcement_from
from registry.service.scope import keyset_page
from registry.service.versions import record_version

ENTITY = "backfill_campaign"


def backfill_state(missing: list[str], deadline: dt.datetime | None,
                   now: dt.datetime) -> str:
    if not missing:
        return "complete"
    return "overdue" if deadline is not None and now >= deadline else "pending"


def backfill_of(missing: list[str], deadline: dt.datetime | None,
                now: dt.datetime | None = None) -> Backfill:
    return Backfill(state=backfill_state(missing, deadline, now or utcnow()),
                    missing=missing)


async def deadlines(session: AsyncSession, provinces: Collection[str]) -> dict[str, dt.datetime]:
    """The campaign deadline of each of `provinces` that has a campaign."""
    if not provinces:
        return {}
    rows = await session.execute(select(BackfillCampaign.province, BackfillCampaign.deadline)
                                 .where(BackfillCampaign.province.in_(set(provinces))))
    return {province: deadline for province, deadline in rows.all()}


def snapshot(campaign: BackfillCampaign) -> dict[str, Any]:
    return {"province": campaign.province, "deadline": campaign.deadline.isoformat(),
            "template_enforcement_from": (campaign.template_enforcement_from.isoformat()
                                          if campaign.template_enforcement_from else None)}


async def put_campaign(session: AsyncSession, *, province: str, data: CampaignIn,
                       actor: Principal) -> BackfillCampaign:
    """Create or change a province's campaign; the same values again change nothing. A
    changed deadline re-arms the deadline sweep (it runs once per deadline)."""
    if data.template_enforcement_from and data.template_enforcement_from > data.deadline:
        raise Unprocessable("template_enforcement_from must not be after the deadline.",
                            code="enforcement_after_deadline")
    # Locked: PUTs racing on one province apply in turn, each on the version before it.
    campaign = await session.get(BackfillCampaign, province, with_for_update=True)
    if campaign is None:
        campaign = BackfillCampaign(province=province, version=0, created_at=utcnow())
        session.add(campaign)
    before = snapshot(campaign) if campaign.version else {}
    campaign.deadline = data.deadline
    campaign.template_enforcement_from = data.template_enforcement_from
    after = snapshot(campaign)
    changed = sorted(k for k in after if before.get(k) != after[k])
    if changed:
        campaign.version += 1
        campaign.updated_by, campaign.updated_at = actor.sub, utcnow()
        await session.flush()
        await record_version(session, entity=ENTITY, key=province, version=campaign.version,
                             actor=actor.sub, snapshot=after, changed=changed,
                             province=province, action="backfill.campaign_set",
                             at=campaign.updated_at)
    return campaign


def to_read(campaign: BackfillCampaign) -> CampaignRead:
    return CampaignRead(
        province=campaign.province, deadline=campaign.deadline,
        template_enforcement_from=campaign.template_enforcement_from,
        templates_enforced_from=enforcement_from(campaign),
        swept_deadline=campaign.swept_deadline, swept_at=campaign.swept_at,
        version=campaign.version, updated_by=campaign.updated_by,
        created_at=campaign.created_at, updated_at=campaign.updated_at)


async def list_campaigns(session: AsyncSession, *, actor: Principal, limit: int | None,
                         cursor: str | None, max_limit: int,
                         ) -> tuple[list[BackfillCampaign], str | None]:
    """Every campaign for HQ and auditors; a province's own for a province-bound caller."""
    return await keyset_page(session, BackfillCampaign, key="province", actor=actor,
                             filters={}, cursor=cursor, limit=limit, max_limit=max_limit)
