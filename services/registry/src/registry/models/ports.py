"""Ports and sub-ports with their transitions, restrictions, sanction reviews, whitelist
mirror and back-fill campaigns; every versioned row carries its version number for ETags."""

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.db import UTCDateTime, utcnow
from registry.models.base import Base, Versioned


class Port(Versioned, Base):
    __tablename__ = "ports"
    number: Mapped[str] = mapped_column(String(21), primary_key=True)
    holder_uscc: Mapped[str] = mapped_column(String(18), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    agreement_signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resource_certificate_ref: Mapped[str | None] = mapped_column(String(128))


class SubPort(Versioned, Base):
    """A port plus extension digits: the unit that is registered, activated and traced."""

    __tablename__ = "sub_ports"
    number: Mapped[str] = mapped_column(String(21), primary_key=True)
    port_number: Mapped[str] = mapped_column(String(21), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    status: Mapped[str] = mapped_column(String(16), default="registered", index=True)
    user_unit_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    handler_id: Mapped[str | None] = mapped_column(String(32), index=True)
    business_type: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(500))
    machine_room: Mapped[str | None] = mapped_column(String(200))
    equipment: Mapped[str | None] = mapped_column(String(200))
    monthly_volume: Mapped[int | None] = mapped_column(BigInteger)
    value_contribution: Mapped[int | None] = mapped_column(BigInteger)
    customer_importance: Mapped[int | None] = mapped_column(Integer)
    whitelisted: Mapped[bool] = mapped_column(Boolean, default=False)
    status_reason: Mapped[str | None] = mapped_column(String(500))


class BackfillCampaign(Base):
    """A province's back-fill campaign (R2): live incomplete sub-ports keep sending until
    `deadline`, then the sweep suspends them. `swept_deadline`: the deadline the sweep has
    run for (a changed deadline no longer equals it, which re-arms the sweep)."""

    __tablename__ = "backfill_campaigns"
    province: Mapped[str] = mapped_column(String(2), primary_key=True)
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Off-template text is refused from here on (None: from the deadline).
    template_enforcement_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    swept_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    swept_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubPortTransition(Base):
    """One lifecycle step: from, to, why, who, when."""

    __tablename__ = "sub_port_transitions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sub_port_number: Mapped[str] = mapped_column(String(21), index=True)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Restriction(Base):
    """A sanction pushed by credit: new ports and sub-ports for the subject are refused."""

    __tablename__ = "restrictions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    blacklist_id: Mapped[str] = mapped_column(String(64), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    sanctions: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(500))
    case_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SanctionReview(Base):
    """A whitelisted sub-port a sanction would have suspended: a person decides."""

    __tablename__ = "sanction_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sub_port_number: Mapped[str] = mapped_column(String(21), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    blacklist_id: Mapped[str] = mapped_column(String(64))
    subject_kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # open until a whitelist_admin or hq_admin decides: keep_active | suspend.
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open",
                                        index=True)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WhitelistEntry(Base):
    """Local copy of whitelist entries, so sanctions and the send check need no call."""

    __tablename__ = "whitelist_entries"
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # One of the two: a number (and every sub-port it prefixes) or a customer (user unit).
    number: Mapped[str | None] = mapped_column(String(21), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    # The province of the number or customer the entry names (whitelist checks it against
    # registry): only sub-ports of this province are covered. None: granted before entries
    # carried it, until whitelist announces it again.
    province: Mapped[str | None] = mapped_column(String(2))
    category: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Under re-review since (a covered sub-port's business type changed): protects nothing
    # until whitelist confirms it, which arrives as a new whitelist.granted.
    review_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
