"""Machine clients and people: created through the API, on the command line, or at first
start (bootstrap)."""

import secrets

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.models import AuditEvent, Client, User
from identity.schemas import MIN_PASSWORD, ClientCreate, ClientCreated, UserCreate
from identity.service import grants, keys
from identity.service.passwords import hash_secret
from identity.settings import Settings
from porttrust_shared.audit import append_audit
from porttrust_shared.errors import Conflict
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal


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
    row = Client(client_id=client_id, secret_hash=await hash_secret(secret), name=data.name,
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
    row = User(username=data.username, password_hash=await hash_secret(data.password),
               roles=data.roles, province=data.province, created_by=actor,
               owner=by.person if by else "user:" + data.username, active=grant_id is None)
    session.add(row)
    await session.flush()
    await append_audit(session, AuditEvent, actor=actor, action="user.created", entity="user",
                       entity_id=row.id, data={"roles": data.roles, "province": data.province,
                                               "owner": row.owner, "grant_id": grant_id})
    return row, grant_id


async def bootstrap(session: AsyncSession, *, settings: Settings,
                    cipher: PiiCipher) -> str | None:
    """First start: a signing key, the admin user (with settings.admin_password), and the
    configured service clients.

    Returns a generated admin password when one had to be made (to print once).
    """
    secret = settings.admin_password
    admin_password = (secret.get_secret_value() if secret is not None else "") or None
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
