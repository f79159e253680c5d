"""Identity domain: clients, users, token issuing. No FastAPI here."""

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity import grants, keys
from identity.errors import (
    InvalidAudience,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    UnsupportedGrant,
)
from identity.models import AuditEvent, Client, User
from identity.schemas import (
    MIN_PASSWORD,
    ClientCreate,
    ClientCreated,
    TokenRequest,
    UserCreate,
)
from identity.settings import Settings
from identity.throttle import SignInGuard
from porttrust_shared.audit import append_audit
from porttrust_shared.db import read_session_scope
from porttrust_shared.errors import Conflict
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal, issue_token

log = logging.getLogger("identity")
T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]
hasher = PasswordHasher()
# Verifying against this when the name is unknown keeps timing the same for both failures.
_DUMMY_HASH = hasher.hash("not-a-real-password")


def _verify_now(stored: str, presented: str) -> bool:
    try:
        return hasher.verify(stored, presented)
    except (VerificationError, InvalidHashError):
        return False


def _hash_now(secret: str) -> str:
    return hasher.hash(secret)


# argon2 is slow on purpose (tens of ms); in a thread it does not stall the event loop.
# (Sign-ins hash through SignInGuard.hash_call instead: bounded, at low priority.)
async def _hash(secret: str) -> str:
    return await asyncio.to_thread(_hash_now, secret)


async def _grant_if_privileged(session: AsyncSession, *, kind: str, subject: str,
                               roles: list[str], by: Principal | None) -> str | None:
    """Made through the API with a privileged role: a grant a second person must approve."""
    wanted = grants.privileged(roles)
    if by is None or not wanted:
        return None
    return (await grants.request_grant(session, kind=kind, subject=subject, roles=wanted,
                                       actor=by)).id


async def create_client(session: AsyncSession, *, data: ClientCreate, actor: str,
                        secret: str | None = None, by: Principal | None = None,
                        ) -> ClientCreated:
    """`by`: the API caller (its root person becomes the client's); None for bootstrap and
    the command line, whose clients are their own root and need no second approval."""
    client_id = data.client_id or "c-" + secrets.token_hex(8)
    if await session.scalar(select(Client.id).where(Client.client_id == client_id)):
        raise Conflict("A client with this client_id exists.")
    secret = secret or secrets.token_urlsafe(32)
    grant_id = await _grant_if_privileged(session, kind="client", subject=client_id,
                                          roles=data.roles, by=by)
    row = Client(client_id=client_id, secret_hash=await _hash(secret), name=data.name,
                 roles=data.roles, province=data.province, created_by=actor,
                 owner=by.person if by else client_id, active=grant_id is None)
    session.add(row)
    await session.flush()
    await append_audit(session, AuditEvent, actor=actor, action="client.created",
                       entity="client", entity_id=client_id,
                       data={"roles": data.roles, "province": data.province,
                             "owner": row.owner, "grant_id": grant_id})
    return ClientCreated(client_id=client_id, client_secret=secret, name=row.name,
                         roles=row.roles, province=row.province, created_at=row.created_at,
                         active=row.active, grant_id=grant_id)


async def create_user(session: AsyncSession, *, data: UserCreate, actor: str,
                      by: Principal | None = None) -> tuple[User, str | None]:
    """The user and the id of the grant its privileged roles wait for (see create_client)."""
    if await session.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict("A user with this username exists.")
    grant_id = await _grant_if_privileged(session, kind="user", subject=data.username,
                                          roles=data.roles, by=by)
    row = User(username=data.username, password_hash=await _hash(data.password),
               roles=data.roles, province=data.province, created_by=actor,
               owner=by.person if by else "user:" + data.username, active=grant_id is None)
    session.add(row)
    await session.flush()
    await append_audit(session, AuditEvent, actor=actor, action="user.created", entity="user",
                       entity_id=row.id, data={"roles": data.roles, "province": data.province,
                                               "owner": row.owner, "grant_id": grant_id})
    return row, grant_id


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and a new hash of their password when the stored one is outdated."""

    principal: Principal
    rehash: tuple[str, str] | None = None


async def _read_one(sessions: Sessions, query: Select[T]) -> T | None:
    """One row through a read session closed at once: nothing is held while it is used."""
    async with contextlib.aclosing(read_session_scope(sessions)) as scope:
        async for session in scope:
            return await session.scalar(query)
    return None


async def authenticate_client(sessions: Sessions, *, client_id: str, secret: str,
                              guard: SignInGuard, usual: bool = False) -> SignedIn:
    row = await _read_one(sessions, select(Client).where(Client.client_id == client_id))
    ok = await guard.hash_call(_verify_now, row.secret_hash if row else _DUMMY_HASH, secret,
                               usual=usual)
    if not ok or row is None or not row.active:
        raise InvalidClient()
    return SignedIn(Principal(sub=row.client_id, roles=frozenset(row.roles),
                              province=row.province, owner=row.owner))


async def authenticate_user(sessions: Sessions, *, username: str, password: str,
                            guard: SignInGuard, usual: bool = False) -> SignedIn:
    row = await _read_one(sessions, select(User).where(User.username == username))
    ok = await guard.hash_call(_verify_now, row.password_hash if row else _DUMMY_HASH, password,
                               usual=usual)
    if not ok or row is None or not row.active:
        raise InvalidGrant()
    principal = Principal(sub="user:" + row.username, roles=frozenset(row.roles),
                          province=row.province, owner=row.owner)
    if hasher.check_needs_rehash(row.password_hash):  # parameters were raised since
        rehashed = await guard.hash_call(_hash_now, password, usual=usual)
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


async def bootstrap(session: AsyncSession, *, settings: Settings, admin_password: str | None,
                    cipher: PiiCipher) -> str | None:
    """First start: a signing key, the admin user, and the configured service clients.

    Returns a generated admin password when one had to be made (to print once).
    """
    await keys.active_key(session, cipher)
    generated = None
    if not await session.scalar(select(func.count()).select_from(User)):
        if admin_password is not None and len(admin_password) < MIN_PASSWORD:
            # Said plainly here: a validation error would quote the password back.
            raise ValueError(f"PORTTRUST_ADMIN_PASSWORD must be at least {MIN_PASSWORD} "
                             "characters")
        password = admin_password or secrets.token_urlsafe(18)
        generated = None if admin_password else password
        await create_user(session, data=UserCreate(username="admin", password=password,
                                                   roles=["hq_admin"], province="HQ"),
                          actor="bootstrap")
    for spec in settings.bootstrap_client_specs():
        if await session.scalar(select(Client.id).where(Client.client_id == spec["client_id"])):
            continue
        data = ClientCreate(name=spec.get("name", spec["client_id"]), roles=spec["roles"],
                            province=spec.get("province", "HQ"), client_id=spec["client_id"])
        await create_client(session, data=data, actor="bootstrap", secret=spec["client_secret"])
    return generated
