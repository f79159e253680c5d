"""The declarative base and the tables every service keeps (audit chain, idempotency,
outbox and inbox), and the versions of every versioned row (kept masked, for trace)."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from porttrust_shared import tables
from porttrust_shared.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class EntityVersion(Base):
    """Every state an entity has been in, as a masked snapshot: what trace reads."""

    __tablename__ = "entity_versions"
    __table_args__ = (UniqueConstraint("entity", "key", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed: Mapped[list[str]] = mapped_column(JSON)


# The shared machinery's tables: audit trail, idempotency, outbox and inbox.
AuditEvent = tables.audit(Base)
IdempotencyRecord = tables.idempotency(Base)
OutboxEvent, InboxEvent = tables.outbox(Base)


class Versioned:
    """A record with a version number (its ETag; every version is kept in EntityVersion),
    created and last changed at. Its columns come after the table's own."""

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reviewed:
    """A record one person writes and a second person decides on (four eyes)."""

    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_by: Mapped[str] = mapped_column(String(128))
    # The author's root person (token claim `owner`), whom the four-eyes rule compares.
    created_person: Mapped[str | None] = mapped_column(String(128))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
