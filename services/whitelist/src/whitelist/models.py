import datetime as dt

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from porttrust_shared import tables
from porttrust_shared.db import UTCDateTime, new_id, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class Protection:
    """What an application asks to protect and its entry protects: exactly one of `number`
    (a port or sub-port) and `uscc` (a customer: all its sub-ports), in the province registry
    gives it."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    number: Mapped[str | None] = mapped_column(String(21), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    province: Mapped[str] = mapped_column(String(4), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Application(Protection, Base):
    """A request to protect a port or sub-port; granted only by a second person."""

    __tablename__ = "applications"
    category: Mapped[str] = mapped_column(String(32))
    justification: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    applicant: Mapped[str] = mapped_column(String(128))
    # The applicant's root person (token claim `owner`): an identity someone created counts
    # as that someone, so it cannot approve its creator's application.
    applicant_person: Mapped[str | None] = mapped_column(String(128))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[str | None] = mapped_column(String(32))

    # At most one pending application per number, even when two arrive at once.
    __table_args__ = (Index("uq_applications_pending_number", "number", unique=True,
                            sqlite_where=text("status = 'pending'"),
                            postgresql_where=text("status = 'pending'")),
                      Index("uq_applications_pending_uscc", "uscc", unique=True,
                            sqlite_where=text("status = 'pending'"),
                            postgresql_where=text("status = 'pending'")))


class Entry(Protection, Base):
    """A granted protection. Active until revoked or until expires_at passes."""

    __tablename__ = "entries"
    category: Mapped[str] = mapped_column(String(32), index=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    application_id: Mapped[str] = mapped_column(String(32))
    applicant: Mapped[str] = mapped_column(String(128))
    granted_by: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    # Under re-review since: a covered sub-port's business type changed (registry said so);
    # the entry protects nothing until a whitelist_admin confirms it.
    review_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str | None] = mapped_column(Text)
    # Set once the expiry sweep has told registry; an expired entry is inactive either way.
    expiry_announced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CombingDeclaration(Base):
    """A province's statement that its whitelist customer combing is done (notice §7)."""

    __tablename__ = "combing_declarations"
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    done_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_by: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class CombingCustomer(Base):
    """A customer a province must comb for the whitelist (notice §7: 12 月底前完成本省端口
    短信白名单客户梳理): from registry (a unit with public-service business) or a province's
    upload; combed once decided (`applied` or `not_needed`)."""

    __tablename__ = "combing_customers"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    province: Mapped[str] = mapped_column(String(4), index=True)
    from_registry: Mapped[str | None] = mapped_column(String(32))  # registry's public_service
    uploaded_by: Mapped[str | None] = mapped_column(String(128))
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubPortUnit(Base):
    """Which customer (user unit) a sub-port serves, as registry announces it for the
    customers an entry protects (`sub_port.units`): what a customer entry covers."""

    __tablename__ = "sub_port_units"
    number: Mapped[str] = mapped_column(String(21), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    province: Mapped[str] = mapped_column(String(4))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# The shared machinery's tables: audit trail, idempotency, outbox and inbox.
AuditEvent = tables.audit(Base)
IdempotencyRecord = tables.idempotency(Base)
OutboxEvent, InboxEvent = tables.outbox(Base)
