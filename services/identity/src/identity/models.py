import datetime as dt

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from porttrust_shared import tables
from porttrust_shared.db import UTCDateTime, new_id, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class _Identity:
    """What a client and a user both have; their name and hash come first in each table."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id, sort_order=-1)
    roles: Mapped[list[str]] = mapped_column(JSON)
    province: Mapped[str] = mapped_column(String(4))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128))
    # The root person: who counts for two-person rules (the creator's root; itself when made
    # by bootstrap or the command line).
    owner: Mapped[str] = mapped_column(String(128))


class Client(_Identity, Base):
    """A machine: a provincial system, gateway, enforcement tool or another service."""

    __tablename__ = "clients"
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(200))


class User(_Identity, Base):
    """A person who signs in with a password."""

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))


class Grant(Base):
    """Privileged roles asked for a new client or user: it stays disabled until an hq_admin
    other than the requesting person approves (four eyes means two people)."""

    __tablename__ = "grants"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(8))  # client | user
    subject: Mapped[str] = mapped_column(String(64), index=True)  # client_id or username
    roles: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_person: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_person: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SigningKey(Base):
    """An ES256 key. The newest active one signs; retired ones verify until tokens expire."""

    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)  # AES-GCM sealed, never plain
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# The shared machinery's tables: audit trail, idempotency.
AuditEvent = tables.audit(Base)
IdempotencyRecord = tables.idempotency(Base)
