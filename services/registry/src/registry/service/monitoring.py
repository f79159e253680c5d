"""Template monitoring during a back-fill campaign (R2, R6).

A live sub-port of the installed base that is still incomplete keeps sending until its
province's `template_enforcement_from` (default: the campaign's deadline): a message that fits
no approved template is allowed and the answer says what would have failed (`enforced:
false`). Every other refusal is enforced as always. Without a campaign nothing is waived.
"""

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import BackfillCampaign, Handler, SubPort
from registry.service.completeness import incomplete

# Refusals about the sub-port, the recipient or the kind of traffic, not about the text
# fitting a template: never waived.
ALWAYS_ENFORCED = frozenset({
    "recipient_invalid", "m2m_port", "sub_port_unknown", "sub_port_not_active",
    "recipient_opted_out", "marketing_on_service_port"})


def waivable(reasons: Sequence[str]) -> bool:
    """A refusal made only of template reasons (no_template, signature_mismatch, ...)."""
    return bool(reasons) and ALWAYS_ENFORCED.isdisjoint(reasons)


def decide(reasons: Sequence[str], *, monitored: bool) -> tuple[bool, bool]:
    """(allowed, enforced) of one check; `monitored`: its sub-port is in template monitoring."""
    if monitored and waivable(reasons):
        return True, False
    return not reasons, True


def enforcement_from(campaign: BackfillCampaign) -> dt.datetime:
    return campaign.template_enforcement_from or campaign.deadline


async def enforcement_starts(session: AsyncSession,
                             provinces: Collection[str]) -> dict[str, dt.datetime]:
    """When each of `provinces` that has a campaign starts enforcing templates: before then
    its incomplete sub-ports may be `monitored`; a province without one never waives."""
    rows = await session.execute(select(
        BackfillCampaign.province, BackfillCampaign.template_enforcement_from,
        BackfillCampaign.deadline).where(BackfillCampaign.province.in_(set(provinces))))
    return {province: start or deadline for province, start, deadline in rows}


async def monitored(session: AsyncSession, numbers: Collection[str],
                    now: dt.datetime) -> set[str]:
    """Which of `numbers` are active, incomplete and before their province's template
    enforcement; asked only for checks a waiver could change (none in normal traffic)."""
    if not numbers:
        return set()
    starts = func.coalesce(BackfillCampaign.template_enforcement_from,
                           BackfillCampaign.deadline)
    query = (select(SubPort.number)
             .join(BackfillCampaign, BackfillCampaign.province == SubPort.province)
             .outerjoin(Handler, Handler.id == SubPort.handler_id)
             .where(SubPort.number.in_(numbers), SubPort.status == "active", starts > now,
                    incomplete()))
    return set((await session.execute(query)).scalars())
