"""Sign-in and tokens: who a token request authenticates as (behind the sign-in brakes), and
the token issued for them."""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.errors import (
    InvalidAudience,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    UnsupportedGrant,
)
from identity.models import Client, User
from identity.schemas import TokenRequest
from identity.service import keys, passwords
from identity.service.throttle import SignInGuard
from identity.settings import Settings
from porttrust_shared.db import read_session
from porttrust_shared.errors import Problem
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal, issue_token

log = logging.getLogger("identity")
R = TypeVar("R", Client, User)
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and a new hash of their password when the stored one is outdated."""

    principal: Principal
    rehash: tuple[str, str] | None = None


async def _verified(sessions: Sessions, query: Select[R], secret: str, *,
                    hash_of: Callable[[R], str], guard: SignInGuard, usual: bool,
                    refused: type[Problem]) -> R:
    """The active row `query` finds whose stored hash matches `secret`, else `refused`. It
    is read through a read session closed at once: nothing is held while the hash runs, and
    an unknown name costs the same hash as a wrong secret."""
    async with read_session(sessions) as session:
        row = await session.scalar(query)
    stored = hash_of(row) if row is not None else passwords.DUMMY_HASH
    ok = await guard.hash_call(passwords.verify_now, stored, secret, usual=usual)
    if not ok or row is None or not row.active:
        raise refused()
    return row


async def authenticate_client(sessions: Sessions, *, client_id: str, secret: str,
                              guard: SignInGuard, usual: bool = False) -> SignedIn:
    row = await _verified(sessions, select(Client).where(Client.client_id == client_id),
                          secret, hash_of=lambda c: c.secret_hash, guard=guard, usual=usual,
                          refused=InvalidClient)
    return SignedIn(Principal(sub=row.client_id, roles=frozenset(row.roles),
                              province=row.province, owner=row.owner))


async def authenticate_user(sessions: Sessions, *, username: str, password: str,
                            guard: SignInGuard, usual: bool = False) -> SignedIn:
    row = await _verified(sessions, select(User).where(User.username == username), password,
                          hash_of=lambda u: u.password_hash, guard=guard, usual=usual,
                          refused=InvalidGrant)
    principal = Principal(sub="user:" + row.username, roles=frozenset(row.roles),
                          province=row.province, owner=row.owner)
    if passwords.hasher.check_needs_rehash(row.password_hash):  # parameters were raised since
        rehashed = await guard.hash_call(passwords.hash_now, password, usual=usual)
        return SignedIn(principal, rehash=(row.id, rehashed))
    return SignedIn(principal)


GRANTS = ("client_credentials", "password")


async def token_principal(sessions: Sessions, *, request: TokenRequest, guard: SignInGuard,
                          address: str) -> SignedIn:
    """Who a token request authenticates as; repeated failures brake it (429, see
    SignInGuard). It only reads, and holds no transaction (no SQLite write lock) while the
    secret is hashed."""
    if request.grant_type not in GRANTS:
        raise UnsupportedGrant("grant_type must be client_credentials or password.")
    machine = request.grant_type == "client_credentials"
    name, secret = ((request.client_id, request.client_secret) if machine
                    else (request.username, request.password))
    if not name or not secret:
        raise InvalidRequest("client_id and client_secret are required." if machine
                             else "username and password are required.")
    key = ("client:" if machine else "user:") + name.lower()
    usual = guard.check(key, address)
    try:
        if machine:
            who = await authenticate_client(sessions, client_id=name, secret=secret,
                                            guard=guard, usual=usual)
        else:
            who = await authenticate_user(sessions, username=name, password=secret,
                                          guard=guard, usual=usual)
    except (InvalidClient, InvalidGrant):
        guard.failed(key, address)
        log.warning("sign-in failed for %s", key)  # the name only, never what was presented
        raise
    guard.succeeded(key, address)
    return who


async def sign_in(sessions: Sessions, writer: AsyncSession, *, request: TokenRequest,
                  guard: SignInGuard, address: str, settings: Settings,
                  cipher: PiiCipher) -> str:
    """A token for the credentials in `request`: checked through read sessions of
    `sessions`, issued (and an outdated hash replaced) in `writer`'s transaction."""
    who = await token_principal(sessions, request=request, guard=guard, address=address)
    audience = audience_for(request.audience, settings)
    if who.rehash is not None:
        user_id, new_hash = who.rehash
        await writer.execute(update(User).where(User.id == user_id)
                             .values(password_hash=new_hash))
    return await issue_for(writer, principal=who.principal, audience=audience,
                           settings=settings, cipher=cipher)


def audience_for(requested: str | None, settings: Settings) -> list[str]:
    allowed = [a.strip() for a in settings.default_audience.split(",") if a.strip()]
    if not requested:
        return allowed
    wanted = sorted(set(requested.replace(",", " ").split()))
    if any(a not in allowed for a in wanted):
        raise InvalidAudience("audience must name services among: " + ", ".join(allowed))
    return wanted


async def issue_for(session: AsyncSession, *, principal: Principal, audience: list[str],
                    settings: Settings, cipher: PiiCipher) -> str:
    max_age = dt.timedelta(days=settings.key_rotation_days)
    active = await keys.active_key(session, cipher, max_age=max_age)
    return issue_token(active.key, kid=active.kid, issuer=settings.issuer,
                       subject=principal.sub, audience=audience, roles=principal.roles,
                       province=principal.province, lifetime=settings.token_lifetime_seconds,
                       owner=principal.owner)
