"""Four eyes means two people: a new client or user given hq_admin, whitelist_admin or
enforcement stays disabled until an hq_admin who is another root person approves.

The bootstrap admin, the services' bootstrap clients and identities made on the command line
are exempt: they are how the first people and machines exist at all (README: four eyes)."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.errors import SamePerson
from identity.models import AuditEvent, Client, Grant, User
from porttrust_shared.audit import append_audit
from porttrust_shared.db import utcnow
from porttrust_shared.errors import Conflict, NotFound
from porttrust_shared.pagination import Keyset
from porttrust_shared.tokens import Principal

PRIVILEGED = frozenset({"hq_admin", "whitelist_admin", "enforcement"})
PENDING = "pending"


def privileged(roles: Iterable[str]) -> list[str]:
    return sorted(set(roles) & PRIVILEGED)


async def request_grant(session: AsyncSession, *, kind: str, subject: str, roles: list[str],
                        actor: Principal) -> Grant:
    """Record that `actor` asks for `roles` for the new (disabled) client or user `subject`."""
    grant = Grant(kind=kind, subject=subject, roles=roles, status=PENDING,
                  requested_by=actor.sub, requested_person=actor.person, created_at=utcnow())
    session.add(grant)
    await session.flush()
    await _audit(session, grant, actor, "grant.requested")
    return grant


async def _pending(session: AsyncSession, grant_id: str, actor: Principal,
                   approve: bool) -> Grant:
    grant = await session.scalar(select(Grant).where(Grant.id == grant_id[:32])
                                 .with_for_update())
    if grant is None:
        raise NotFound("No such grant.")
    if grant.status != PENDING:
        raise Conflict(f"The grant is {grant.status}.", status_now=grant.status)
    # Rejecting needs no second person: the asker may withdraw what it asked for.
    if approve and actor.person in (grant.requested_person, grant.requested_by):
        raise SamePerson("Another person must decide on roles this person asked for; an "
                         "identity it created counts as the same person.", code="four_eyes")
    return grant


async def decide_grant(session: AsyncSession, *, grant_id: str, approve: bool,
                       actor: Principal) -> Grant:
    """Approve (the identity becomes active with its roles) or reject (it stays disabled)."""
    grant = await _pending(session, grant_id, actor, approve)
    grant.status = "approved" if approve else "rejected"
    grant.decided_by, grant.decided_person, grant.decided_at = actor.sub, actor.person, utcnow()
    if approve:
        identity: Client | User | None = await session.scalar(
            select(Client).where(Client.client_id == grant.subject) if grant.kind == "client"
            else select(User).where(User.username == grant.subject))
        if identity is None:
            raise NotFound("The identity of this grant no longer exists.")
        identity.active = True
    await session.flush()
    await _audit(session, grant, actor, f"grant.{grant.status}")
    return grant


async def _audit(session: AsyncSession, grant: Grant, actor: Principal, action: str) -> None:
    await append_audit(session, AuditEvent, actor=actor.sub, action=action, entity="grant",
                       entity_id=grant.id,
                       data={"kind": grant.kind, "subject": grant.subject, "roles": grant.roles,
                             "requested_person": grant.requested_person,
                             "decided_person": grant.decided_person})


async def list_grants(session: AsyncSession, *, status: str | None, cursor: str | None,
                      limit: int | None, max_limit: int = 500,
                      ) -> tuple[list[Grant], str | None]:
    """Oldest first, after `cursor`."""
    query = select(Grant)
    if status:
        query = query.where(Grant.status == status)
    return await _OLDEST_FIRST.page(session, query, cursor=cursor, limit=limit,
                                    max_limit=max_limit)


_OLDEST_FIRST = Keyset(Grant.created_at, Grant.id)
