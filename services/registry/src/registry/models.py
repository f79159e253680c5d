"""Registry tables. Person data (handler name, ID number, phone) is stored only encrypted,
with blind indexes for lookups; every versioned row carries its version number for ETags."""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from porttrust_shared.audit import AuditEventMixin
from porttrust_shared.db import UTCDateTime, new_id, new_metadata, utcnow
from porttrust_shared.idempotency import IdempotencyRecordMixin
from porttrust_shared.outbox import InboxEventMixin, OutboxEventMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class AuditEvent(AuditEventMixin, Base):
    __tablename__ = "audit_events"


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    __tablename__ = "idempotency_records"


class OutboxEvent(OutboxEventMixin, Base):
    __tablename__ = "outbox_events"


class InboxEvent(InboxEventMixin, Base):
    __tablename__ = "inbox_events"


class Organization(Base):
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
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Handler(Base):
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
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Port(Base):
    __tablename__ = "ports"
    number: Mapped[str] = mapped_column(String(21), primary_key=True)
    holder_uscc: Mapped[str] = mapped_column(String(18), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    agreement_signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resource_certificate_ref: Mapped[str | None] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubPort(Base):
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
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    category: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Under re-review since (a covered sub-port's business type changed): protects nothing
    # until whitelist confirms it, which arrives as a new whitelist.granted.
    review_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Complaint(Base):
    """A spam complaint, traced at intake. The reporter's phone and the content are stored
    only encrypted (the content of complaints kept before that stays as written)."""

    __tablename__ = "complaints"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(21), index=True)
    sub_port_number: Mapped[str | None] = mapped_column(String(21), index=True)
    province: Mapped[str | None] = mapped_column(String(2), index=True)
    traced: Mapped[bool] = mapped_column(Boolean, default=False)
    valid: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_enc: Mapped[str] = mapped_column(Text)
    reporter_index: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    trace: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplaintReview(Base):
    """A sub-port that reached the complaint threshold: a person reviews and closes it (no
    auto-suspend); once closed, a new one may open."""

    __tablename__ = "complaint_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sub_port_number: Mapped[str] = mapped_column(String(21), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    complaint_count: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a person closes it: confirmed | dismissed, why, who, when.
    outcome: Mapped[str | None] = mapped_column(String(16))
    close_reason: Mapped[str | None] = mapped_column(String(500))
    closed_by: Mapped[str | None] = mapped_column(String(128))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ImportJob(Base):
    """A bulk sub-port import too large to answer inline: its progress, chunk by chunk."""

    __tablename__ = "import_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    actor: Mapped[str] = mapped_column(String(128))
    province: Mapped[str] = mapped_column(String(2), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ImportRowError(Base):
    """One rejected row of an import job: row number, reason code, field; never the value."""

    __tablename__ = "import_row_errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    row: Mapped[int] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(21))
    code: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(200))


class MessageTemplate(Base):
    """A registered SMS text for one sub-port: 【signature】, fixed text and typed variables."""

    __tablename__ = "message_templates"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sub_port_number: Mapped[str] = mapped_column(String(21), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    allowed_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_by: Mapped[str] = mapped_column(String(128))
    # The author's root person (token claim `owner`), whom the four-eyes rule compares.
    created_person: Mapped[str | None] = mapped_column(String(128))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OptOut(Base):
    """A recipient's refusal of one sub-port (R5): looked up by the phone's blind index."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("sub_port_number", "phone_index"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sub_port_number: Mapped[str] = mapped_column(String(21))
    phone_index: Mapped[str] = mapped_column(String(64))
    phone_enc: Mapped[str] = mapped_column(Text)
    keyword: Mapped[str] = mapped_column(String(16))
    mo_message_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MoMessage(Base):
    """Every reply a gateway reports, opt-out or not; sender and text stored encrypted."""

    __tablename__ = "mo_messages"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sub_port_number: Mapped[str] = mapped_column(String(21), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    text_enc: Mapped[str] = mapped_column(Text)
    opt_out: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The rules could not tell (registry.service.matching.replies): a person decides, then
    # it clears.
    undecided: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                            index=True)
    rule: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SendLogEntry(Base):
    """One send check, append-only, kept >= six calendar months and a day (R6). No body in
    clear: a keyed digest and the length, so a complaint's text can be matched to its row
    without storing SMS."""

    __tablename__ = "send_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sub_port_number: Mapped[str] = mapped_column(String(32), index=True)
    province: Mapped[str | None] = mapped_column(String(2))
    recipient_index: Mapped[str | None] = mapped_column(String(64), index=True)
    recipient_masked: Mapped[str] = mapped_column(String(32))
    allowed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    template_id: Mapped[str | None] = mapped_column(String(32))
    content_digest: Mapped[str] = mapped_column(String(64))
    content_length: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(128))
    # False: a template refusal was waived (template monitoring during a back-fill campaign).
    enforced: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class GatewayViolation(Base):
    """One sub-port's gateway violations of one day (CST), reported to credit once."""

    __tablename__ = "gateway_violations"
    __table_args__ = (UniqueConstraint("sub_port_number", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sub_port_number: Mapped[str] = mapped_column(String(21))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    type: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Signature(Base):
    """A 【signature】 a user unit may put on its messages (签名报备, R5): its name, or a short
    name or brand backed by evidence; approved by someone other than who registered it."""

    __tablename__ = "signatures"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_uscc: Mapped[str] = mapped_column(String(18), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    text: Mapped[str] = mapped_column(String(20))
    names_unit: Mapped[bool] = mapped_column(Boolean)
    evidence_ref: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_by: Mapped[str] = mapped_column(String(128))
    # The author's root person (token claim `owner`), whom the four-eyes rule compares.
    created_person: Mapped[str | None] = mapped_column(String(128))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
