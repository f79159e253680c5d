from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import JSONResponse

from identity import keys, service
from identity.deps import SettingsDep
from identity.errors import UnsupportedGrant
from identity.schemas import ClientCreate, ClientCreated, TokenResponse, UserCreate, UserRead
from porttrust_shared.deps import CipherDep, SessionDep, require_roles
from porttrust_shared.errors import Unprocessable
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.tokens import Principal

router = APIRouter()
HqAdmin = Annotated[Principal, Depends(require_roles("hq_admin"))]


@router.post("/v1/token", response_model=TokenResponse, tags=["tokens"])
async def issue_token(
    session: SessionDep,
    settings: SettingsDep,
    cipher: CipherDep,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    audience: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form()] = None,
) -> TokenResponse:
    """OAuth2 token: client_credentials for machines, password for people."""
    if grant_type == "client_credentials":
        if not client_id or not client_secret:
            raise Unprocessable("client_id and client_secret are required.")
        who = await service.authenticate_client(session, client_id=client_id, secret=client_secret)
    elif grant_type == "password":
        if not username or not password:
            raise Unprocessable("username and password are required.")
        who = await service.authenticate_user(session, username=username, password=password)
    else:
        raise UnsupportedGrant("grant_type must be client_credentials or password.")
    aud = service.audience_for(audience, settings)
    token = await service.issue_for(session, principal=who, audience=aud, settings=settings,
                                    cipher=cipher)
    return TokenResponse(access_token=token, expires_in=settings.token_lifetime_seconds)


@router.get("/.well-known/jwks.json", tags=["tokens"])
async def get_jwks(session: SessionDep, cipher: CipherDep) -> JSONResponse:
    """Public keys that verify tokens; cache them, refetch on an unknown kid."""
    body: dict[str, Any] = await keys.jwks(session, cipher)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


@router.post("/v1/clients", status_code=201, response_model=ClientCreated, tags=["clients"])
async def create_client(
    data: ClientCreate, session: SessionDep, actor: HqAdmin, idem: IdempotencyDep
) -> JSONResponse:
    """Register a machine client. The secret is in this response only."""
    return await idem.run(lambda: service.create_client(session, data=data, actor=actor.sub),
                          redact=("client_secret",))


@router.post("/v1/users", status_code=201, response_model=UserRead, tags=["users"])
async def create_user(
    data: UserCreate, session: SessionDep, actor: HqAdmin, idem: IdempotencyDep
) -> JSONResponse:
    """Register a person who signs in with a password."""

    async def produce() -> UserRead:
        user = await service.create_user(session, data=data, actor=actor.sub)
        return UserRead.model_validate(user)

    return await idem.run(produce)
