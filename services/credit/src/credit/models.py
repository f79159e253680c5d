import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from porttrust_shared import tables
from porttrust_shared.db import UTCDateTime, new_id, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class Subject(Base):
    """A holder, user unit or handler. A person is one subject whatever company they act for,
    because a handler is keyed by the blind index of their ID number, not by organisation."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("kind", "lookup_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    # USCC for holder and user unit; blind index of the ID number for a handler.
    lookup_key: Mapped[str] = mapped_column(String(64))
    # Known once an ID number has been seen in a request body; null for index-only handlers.
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditEvent(Base):
    __tablename__ = "credit_events"
    __table_args__ = (Index("ix_credit_events_subject_occurred", "subject_id", "occurred_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(32))
    source_ref: Mapped[str | None] = mapped_column(String(128))
    evidence: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlacklistEntry(Base):
    """Counts while not lifted and not expired. `released_at` is when sanction.lifted was
    queued for registry, by a lift or by the expiry sweep.

    `subject_kind` and `subject_lookup_key` copy the subject's (which never change), so the
    bulk check finds active entries by key in one small partial index, without the subjects
    table."""

    __tablename__ = "blacklist_entries"
    __table_args__ = (
        Index("ix_blacklist_entries_subject_lifted", "subject_id", "lifted_at"),
        Index("ix_blacklist_entries_active_subject", "subject_lookup_key", "subject_kind",
              postgresql_where=text("lifted_at IS NULL"),
              sqlite_where=text("lifted_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_lookup_key: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    case_ref: Mapped[str | None] = mapped_column(String(128), index=True)
    sanctions: Mapped[list[str]] = mapped_column(JSON)
    listed_by: Mapped[str] = mapped_column(String(128))
    # The lister's root person (token claim `owner`); NULL on entries listed before it was kept.
    listed_by_person: Mapped[str | None] = mapped_column(String(128))
    listed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(128))
    lift_reason: Mapped[str | None] = mapped_column(Text)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What registry did with the sanction, as it reported back (`sanction.outcome`): one
    # {number, action, at} per sub-port touched, so whoever lifts the entry sees what it did.
    sub_ports: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class FraudCase(Base):
    __tablename__ = "fraud_cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_ref: Mapped[str] = mapped_column(String(128), unique=True)
    number: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reported_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The answer given the first time, replayed for the same case_ref.
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class ListingProposal(Base):
    """A subject whose score fell below the threshold: a person accepts (lists) or dismisses.

    At most one open proposal per subject; later events update its score."""

    __tablename__ = "listing_proposals"
    __table_args__ = (Index("ix_listing_proposals_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    # The credit events that took the score below the threshold, newest last (ids only).
    event_ids: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[str | None] = mapped_column(String(32))


# The shared machinery's tables: audit trail, idempotency, outbox and inbox.
AuditEvent = tables.audit(Base)
IdempotencyRecord = tables.idempotency(Base)
OutboxEvent, InboxEvent = tables.outbox(Base)
