"""Events other services push here through their outbox; each is applied once."""

import datetime as dt
import json
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from credit.schemas import EventType, SubjectRef
from credit.service import Credit
from credit.service.blacklist import record_outcome
from credit.service.credit_events import Report, apply_event
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Unprocessable
from porttrust_shared.outbox import Handler


class CreditEventReported(BaseModel):
    """registry → credit `credit_event.reported` (INTERNAL-CONTRACTS.md)."""

    model_config = ConfigDict(extra="ignore")  # a newer registry may add fields
    subject: SubjectRef
    type: EventType
    occurred_at: AwareDatetime
    evidence: str | dict[str, Any] | list[Any] = Field(default="")
    source_ref: str | None = None

    def report(self) -> Report:
        """As a Report. Lenient where a refusal would only make registry retry forever: a
        type credit does not weigh yet is kept at weight 0, a clock ahead of ours is clamped."""
        evidence = self.evidence if isinstance(self.evidence, str) else json.dumps(
            self.evidence, ensure_ascii=False, sort_keys=True)
        return Report(type=self.type, occurred_at=min(self.occurred_at.astimezone(dt.UTC),
                                                      utcnow()),
                      evidence=evidence or "reported by registry", source="registry",
                      source_ref=self.source_ref[:128] if self.source_ref else None)


class SubPortOutcome(BaseModel):
    model_config = ConfigDict(extra="ignore")
    number: str = Field(max_length=21)
    action: str = Field(max_length=32)
    at: AwareDatetime | None = None


class SanctionOutcome(BaseModel):
    """registry → credit `sanction.outcome`: what registry did with one blacklist entry's
    sanction, per sub-port (INTERNAL-CONTRACTS.md)."""

    model_config = ConfigDict(extra="ignore")
    blacklist_id: str = Field(max_length=64)
    sub_ports: list[SubPortOutcome] = Field(max_length=100_000)


async def on_sanction_outcome(session: AsyncSession, payload: dict[str, Any]) -> None:
    try:
        outcome = SanctionOutcome.model_validate(payload)
    except ValidationError:
        raise Unprocessable("The sanction.outcome payload is not valid.") from None
    await record_outcome(session, blacklist_id=outcome.blacklist_id,
                         touched=[item.model_dump(mode="json") for item in outcome.sub_ports])


def build_handlers(ctx: Credit) -> dict[str, Handler]:
    """Topic → handler, bound to this app's cipher and rules."""

    async def on_credit_event(session: AsyncSession, payload: dict[str, Any]) -> None:
        try:
            event = CreditEventReported.model_validate(payload)
        except ValidationError:
            raise Unprocessable("The credit_event.reported payload is not valid.") from None
        await apply_event(session, ref=event.subject, report=event.report(), actor="registry",
                          ctx=ctx)

    return {"credit_event.reported": on_credit_event, "sanction.outcome": on_sanction_outcome}
