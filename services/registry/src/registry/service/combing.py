"""Whitelist combing (notice §7): units with public-service business are whitelist's to comb."""

from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.outbox import enqueue
from registry.models import Organization, OutboxEvent


async def announce_combing_candidate(session: AsyncSession, org: Organization) -> None:
    """Tell whitelist (outbox, same transaction) that this unit is, or no longer is, a
    customer its province must comb; `public_service` null withdraws it."""
    await enqueue(session, OutboxEvent, destination="whitelist", topic="combing.candidate",
                  payload={"uscc": org.uscc, "province": org.province,
                           "public_service": org.public_service})
