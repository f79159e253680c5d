"""FastAPI dependencies every service uses, one per concern: a session per request, the read
sessions and read caches of a hot read, the verified caller and the one role check, the PII
cipher."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared.changes import ChangeFeed, ReadCache
from porttrust_shared.db import read_session, read_session_scope, session_scope
from porttrust_shared.errors import Unauthorized
from porttrust_shared.keyed import KeyedCache, keyed_cache
from porttrust_shared.openapi import declare_statuses
from porttrust_shared.pii import PiiCipher
from porttrust_shared.state import ServiceState, state_dep
from porttrust_shared.tokens import Principal

# Swagger's Authorize button offers both grants against identity's token endpoint.
# Only the Authorization header is read: a token in the query string is ignored.
_TOKEN_URL = "http://127.0.0.1:8000/v1/token"
_FLOWS = OAuthFlows(password=OAuthFlowPassword(tokenUrl=_TOKEN_URL),
                    clientCredentials=OAuthFlowClientCredentials(tokenUrl=_TOKEN_URL))


def _sessions(scope_of: Callable[[async_sessionmaker[AsyncSession]],
                                 AsyncGenerator[AsyncSession, None]],
              ) -> Callable[[Request], AsyncIterator[AsyncSession]]:
    """A dependency that yields one session of the app's factory in `scope_of`."""

    async def dependency(request: Request) -> AsyncIterator[AsyncSession]:
        # aclosing: when the handler raises, the inner generator is closed here and rolls
        # back now, instead of whenever the garbage collector finalises it (holding the
        # connection, its locks and SQLite's write lock until then).
        async with contextlib.aclosing(scope_of(ServiceState.of(request.app).sessions)) as scope:
            async for session in scope:
                yield session

    return declare_statuses(dependency, 503)


# "function" scope: the transaction commits after the handler returns, before the response
# is sent, so a client never sees a 2xx for a change that was then lost.
SessionDep = Annotated[AsyncSession, Depends(_sessions(session_scope), scope="function")]
# For handlers that only read: no write lock on SQLite, no BEGIN/COMMIT on PostgreSQL.
ReadSessionDep = Annotated[AsyncSession, Depends(_sessions(read_session_scope),
                                                 scope="function")]


class Reads:
    """What a hot read needs, in one dependency: read sessions of the app's factory, and the
    read caches of its change feed (porttrust_shared.changes, .keyed). A cache is None when
    the feed cannot serve from memory (SQLite, off, a test's shared transaction): then
    every read goes to the database.

    A hot route that needs a little more of its service (a domain context, the cipher)
    subclasses it with those and makes its dependency with `state_dep(XState, ItsReads)`:
    every dependency FastAPI solves costs a hot request several microseconds."""

    __slots__ = ("changes", "sessions")

    def __init__(self, state: ServiceState) -> None:
        self.sessions: async_sessionmaker[AsyncSession] = state.sessions
        self.changes: ChangeFeed = state.changes

    def session(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """`async with reads.session() as session:` one read session (no transaction)."""
        return read_session(self.sessions)

    def cache(self, name: str, *, tables: Iterable[str]) -> ReadCache[Any, Any] | None:
        return self.changes.cache(name, self.sessions, tables=tables)

    def keyed(self, name: str, *, table: str, key_column: str) -> KeyedCache[Any, Any] | None:
        return keyed_cache(self.changes, name, self.sessions, table=table,
                           key_column=key_column)


ReadsDep = Annotated[Reads, Depends(declare_statuses(state_dep(ServiceState, Reads), 503))]

# Where porttrust_shared.gate leaves the principal it verified before the body was read.
PRINCIPAL_KEY = "porttrust.principal"


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer` header, else 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.", token_sent=False)
    return token.strip()


class Bearer(OAuth2):
    """The caller's verified principal, holding one of `roles` when any are named: the one
    token-and-role check, as a single dependency (FastAPI solves one level, not three).

    Being the OAuth2 security scheme itself, it shows in OpenAPI as the `PortTrust` scheme,
    and `gate` puts every route that uses it behind the token check that runs before the
    body is read; the principal the gate verified is returned from the request's scope."""

    def __init__(self, *roles: str) -> None:
        super().__init__(flows=_FLOWS, auto_error=False, scheme_name="PortTrust")
        self.roles = roles

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        principal: Principal | None = request.scope.get(PRINCIPAL_KEY)
        if principal is None:
            # A route outside the gate: a bare app (bench's baselines) with only a verifier.
            principal = await request.app.state.verifier.verify(
                bearer_token(request.headers.get("authorization")))
        return principal.require(*self.roles) if self.roles else principal


# 503: identity's keys could not be fetched yet (a token cannot be checked, good or bad).
PrincipalDep = Annotated[Principal, Depends(declare_statuses(Bearer(), 401, 503))]


def require_roles(*roles: str) -> Bearer:
    """Dependency: the verified caller, who must hold one of `roles` (401, then 403)."""
    check = Bearer(*roles)
    declare_statuses(check, 401, 403, 503)
    return check


CipherDep = Annotated[PiiCipher, Depends(state_dep(ServiceState, lambda s: s.cipher))]
