"""Events other services push here through their outbox; each is applied once."""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.errors import Unprocessable
from porttrust_shared.outbox import Handler
from registry.service import sanctions, whitelist

Apply = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


def _strict(apply: Apply) -> Handler:
    """A payload missing what the contract promises is a 422, not a 500 the relay retries."""

    async def handle(session: AsyncSession, payload: dict[str, Any]) -> None:
        try:
            await apply(session, payload)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise Unprocessable("The event payload does not follow the contract.") from None

    return handle


HANDLERS: dict[str, Handler] = {
    "sanction.applied": _strict(sanctions.sanction_applied),
    "sanction.lifted": _strict(sanctions.sanction_lifted),
    "whitelist.granted": _strict(whitelist.whitelist_granted),
    "whitelist.revoked": _strict(whitelist.whitelist_revoked),
}
