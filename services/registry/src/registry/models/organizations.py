"""Organisations and their handlers. Person data (handler name, ID number, phone) is stored
only encrypted, with blind indexes for lookups."""

import datetime as dt

from sqlalchemy import JSON, Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.db import UTCDateTime, new_id
from registry.models.base import Base, Versioned


class Organization(Versioned, Base):
    """A holder or user unit, keyed by its USCC."""

    __tablename__ = "organizations"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(2), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[str | None] = mapped_column(String(200))
    # Government, emergency or life-safety business (notice §7): whitelist combs this unit.
    public_service: Mapped[str | None] = mapped_column(String(32))
    uscc_review: Mapped[bool] = mapped_column(Boolean, default=False)


class Handler(Versioned, Base):
    """The natural person acting for an organisation. PII columns hold ciphertext only."""

    __tablename__ = "handlers"
    __table_args__ = (UniqueConstraint("id_number_index", "organization_uscc"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_uscc: Mapped[str] = mapped_column(String(18), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    name_enc: Mapped[str] = mapped_column(Text)
    id_number_enc: Mapped[str] = mapped_column(Text)
    id_number_index: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    verification_status: Mapped[str] = mapped_column(String(16), default="unverified")
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verification_reason: Mapped[str | None] = mapped_column(String(200))
