import base64
import binascii
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse

from identity.deps import HqAdmin, SettingsDep, ThrottleDep
from identity.errors import InvalidClient
from identity.schemas import (
    ClientCreate,
    ClientCreated,
    GrantRead,
    TokenRequest,
    TokenResponse,
    UserCreate,
    UserRead,
)
from identity.service import grants, identities, keys, sign_in
from porttrust_shared.deps import CipherDep, ReadsDep, ReadSessionDep, SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.pagination import Page

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_secret_basic (RFC 6749 2.3.1), which Swagger UI sends by default."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClient() from None
    if not sep:
        raise InvalidClient()
    return unquote(client_id), unquote(secret)


def _token_request(
    request: Request,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    audience: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenRequest:
    basic = _basic_credentials(request) if grant_type == "client_credentials" else None
    if basic is not None and not client_id:
        client_id, client_secret = basic
    return TokenRequest(grant_type=grant_type, client_id=client_id, client_secret=client_secret,
                        username=username, password=password, audience=audience)


@router.post("/v1/token", response_model=TokenResponse, tags=["tokens"], responses={
    400: {"description": "invalid_request, unsupported_grant_type or an unknown audience"},
    401: {"description": "invalid_client or invalid_grant (wrong secret or password)"},
    429: {"description": "A sign-in brake is on, or every password-hash slot is busy; "
                         "wait Retry-After"}})
async def issue_token(
    request: Request,
    form: Annotated[TokenRequest, Depends(_token_request)],
    session: SessionDep,
    settings: SettingsDep,
    cipher: CipherDep,
    guard: ThrottleDep,
    reads: ReadsDep,
) -> JSONResponse:
    """OAuth2 token: client_credentials for machines, password for people."""
    token = await sign_in.sign_in(reads.sessions, session, request=form, guard=guard,
                                  address=request.client.host if request.client else "",
                                  settings=settings, cipher=cipher)
    body = TokenResponse(access_token=token, expires_in=settings.token_lifetime_seconds)
    return JSONResponse(body.model_dump(), headers=NO_STORE)


@router.get("/.well-known/jwks.json", tags=["tokens"])
async def get_jwks(session: ReadSessionDep, cipher: CipherDep) -> JSONResponse:
    """Public keys that verify tokens; cache them, refetch on an unknown kid."""
    body: dict[str, Any] = await keys.jwks(session, cipher)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


@router.post("/v1/clients", status_code=201, response_model=ClientCreated, tags=["clients"])
async def create_client(
    data: ClientCreate, session: SessionDep, actor: HqAdmin, idem: IdempotencyDep
) -> JSONResponse:
    """Register a machine client. The secret is in this response only."""
    response = await idem.run(lambda: identities.create_client(session, data=data, actor=actor.sub,
                                                            by=actor),
                              redact=("client_secret",))
    response.headers.update(NO_STORE)
    return response


@router.post("/v1/users", status_code=201, response_model=UserRead, tags=["users"])
async def create_user(
    data: UserCreate, session: SessionDep, actor: HqAdmin, idem: IdempotencyDep
) -> JSONResponse:
    """Register a person who signs in with a password."""

    async def produce() -> UserRead:
        user, grant_id = await identities.create_user(session, data=data, actor=actor.sub,
                                                   by=actor)
        return UserRead.model_validate(user).model_copy(update={"grant_id": grant_id})

    return await idem.run(produce)


# Grants of privileged roles awaiting a second hq_admin (four eyes means two people).
DECISION: dict[int | str, dict[str, Any]] = {
    403: {"description": "the deciding person asked for the grant (or created its asker)"},
    404: {"description": "no such grant"},
    409: {"description": "the grant was decided already"},
}


@router.get("/v1/grants", response_model=Page[GrantRead], tags=["grants"])
async def list_grants(session: ReadSessionDep, actor: HqAdmin,
                      status: Literal["pending", "approved", "rejected"] | None = None,
                      cursor: str | None = None,
                      limit: Annotated[int | None, Query(ge=1)] = None) -> Page[GrantRead]:
    """Grants, oldest first; `status=pending` for those waiting for a second person."""
    rows, next_cursor = await grants.list_grants(session, status=status, cursor=cursor,
                                                 limit=limit)
    return Page(items=[GrantRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/v1/grants/{grant_id}/approve", response_model=GrantRead, tags=["grants"],
             responses=DECISION)
async def approve_grant(grant_id: str, session: SessionDep, actor: HqAdmin) -> GrantRead:
    """Approve: the client or user becomes active with its roles (another person only)."""
    row = await grants.decide_grant(session, grant_id=grant_id, approve=True, actor=actor)
    return GrantRead.model_validate(row)


@router.post("/v1/grants/{grant_id}/reject", response_model=GrantRead, tags=["grants"],
             responses=DECISION)
async def reject_grant(grant_id: str, session: SessionDep, actor: HqAdmin) -> GrantRead:
    """Reject: the client or user stays disabled."""
    row = await grants.decide_grant(session, grant_id=grant_id, approve=False, actor=actor)
    return GrantRead.model_validate(row)
