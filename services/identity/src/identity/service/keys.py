"""Signing keys: created on demand, sealed at rest, rotated with an overlap."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.models import SigningKey
from porttrust_shared.db import utcnow
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import (
    MAX_LIFETIME_SECONDS,
    generate_private_key,
    load_private_key,
    private_key_pem,
    public_jwk,
)

FIELD = "signing_key"


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    key: ec.EllipticCurvePrivateKey


async def create_key(session: AsyncSession, cipher: PiiCipher) -> SigningKey:
    key = generate_private_key()
    kid = utcnow().strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:8]
    row = SigningKey(kid=kid, private_pem=cipher.encrypt(private_key_pem(key), field=FIELD),
                     created_at=utcnow())
    session.add(row)
    await session.flush()
    return row


async def active_key(session: AsyncSession, cipher: PiiCipher, *,
                     max_age: dt.timedelta | None = None) -> ActiveKey:
    """The key that signs now: made on first use, rotated once older than `max_age`."""
    row = (await session.execute(
        select(SigningKey).where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc()).limit(1)
    )).scalar_one_or_none()
    if row is None:
        row = await create_key(session, cipher)
    elif max_age is not None and row.created_at < utcnow() - max_age:
        row = await rotate(session, cipher)
    return ActiveKey(row.kid, load_private_key(cipher.decrypt(row.private_pem, field=FIELD)))


async def rotate(session: AsyncSession, cipher: PiiCipher) -> SigningKey:
    """Retire every active key and create a new one; retired keys keep verifying."""
    for row in (await session.execute(
        select(SigningKey).where(SigningKey.retired_at.is_(None))
    )).scalars():
        row.retired_at = utcnow()
    return await create_key(session, cipher)


async def jwks(session: AsyncSession, cipher: PiiCipher) -> dict[str, Any]:
    """Active keys plus keys retired recently enough that their tokens may still be alive."""
    horizon = utcnow() - dt.timedelta(seconds=MAX_LIFETIME_SECONDS + 60)
    rows = (await session.execute(select(SigningKey).order_by(SigningKey.created_at))).scalars()
    keys = [
        public_jwk(load_private_key(cipher.decrypt(row.private_pem, field=FIELD)), row.kid)
        for row in rows
        if row.retired_at is None or row.retired_at > horizon
    ]
    return {"keys": keys}
