"""FastAPI dependencies every service uses: one session per request, the calling principal."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import read_session_scope, session_scope
from porttrust_shared.errors import Unauthorized
from porttrust_shared.openapi import declare_statuses
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal

# Swagger's Authorize button offers both grants against identity's token endpoint.
# Only the Authorization header is read: a token in the query string is ignored.
_TOKEN_URL = "http://127.0.0.1:8000/v1/token"
oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        password=OAuthFlowPassword(tokenUrl=_TOKEN_URL),
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=_TOKEN_URL),
    ),
    auto_error=False,
    scheme_name="PortTrust",
)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    # aclosing: when the handler raises, the inner generator is closed here and rolls back
    # now, instead of whenever the garbage collector finalises it (holding the connection,
    # its locks and SQLite's write lock until then).
    async with contextlib.aclosing(session_scope(request.app.state.sessions)) as scope:
        async for session in scope:
            yield session


# "function" scope: the transaction commits after the handler returns, before the response
# is sent, so a client never sees a 2xx for a change that was then lost.
SessionDep = Annotated[AsyncSession, Depends(
    declare_statuses(_session, 503), scope="function")]


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with contextlib.aclosing(read_session_scope(request.app.state.sessions)) as scope:
        async for session in scope:
            yield session


# For handlers that only read: no write lock on SQLite, no BEGIN/COMMIT on PostgreSQL.
ReadSessionDep = Annotated[AsyncSession, Depends(
    declare_statuses(_read_session, 503), scope="function")]


# Where porttrust_shared.gate leaves the principal it verified before the body was read.
PRINCIPAL_KEY = "porttrust.principal"


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer` header, else 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.", token_sent=False)
    return token.strip()


async def current_principal(
    request: Request, authorization: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    gated: Principal | None = request.scope.get(PRINCIPAL_KEY)
    if gated is not None:
        return gated
    principal: Principal = await request.app.state.verifier.verify(bearer_token(authorization))
    return principal


# 503: identity's keys could not be fetched yet (a token cannot be checked, good or bad).
PrincipalDep = Annotated[Principal, Depends(declare_statuses(current_principal, 401, 503))]


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller must hold one of `roles`."""

    # async: a plain def dependency would be sent to the thread pool on every request.
    async def check(principal: PrincipalDep) -> Principal:
        return principal.require(*roles)

    return declare_statuses(check, 401, 403, 503)


def roles_principal(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """require_roles as one dependency: it reads the bearer token (through oauth2_scheme, so
    OpenAPI still shows the security scheme) and checks the role itself, leaving FastAPI two
    levels to solve instead of three. Same answers as require_roles (401, then 403). Use it
    for a hot route that needs nothing else from the principal's dependency chain."""

    async def check(request: Request,
                    authorization: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
        principal = await current_principal(request, authorization)
        return principal.require(*roles)

    return declare_statuses(check, 401, 403, 503)


async def _cipher(request: Request) -> PiiCipher:
    cipher: PiiCipher = request.app.state.cipher
    return cipher


CipherDep = Annotated[PiiCipher, Depends(_cipher)]
