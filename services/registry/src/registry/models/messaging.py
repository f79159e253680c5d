"""Templates, opt-outs, replies (MO), the send log, gateway violations and signatures
(R4, R5, R6)."""

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
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.db import UTCDateTime, new_id, utcnow
from registry.models.base import Base, Reviewed, Versioned


class MessageTemplate(Reviewed, Versioned, Base):
    """A registered SMS text for one sub-port: 【signature】, fixed text and typed variables."""

    __tablename__ = "message_templates"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sub_port_number: Mapped[str] = mapped_column(String(21), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    allowed_domains: Mapped[list[str]] = mapped_column(JSON, default=list)


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


class Signature(Reviewed, Base):
    """A 【signature】 a user unit may put on its messages (签名报备, R5): its name, or a short
    name or brand backed by evidence; approved by someone other than who registered it."""

    __tablename__ = "signatures"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_uscc: Mapped[str] = mapped_column(String(18), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    text: Mapped[str] = mapped_column(String(20))
    names_unit: Mapped[bool] = mapped_column(Boolean)
    evidence_ref: Mapped[str | None] = mapped_column(String(200))
    # After the review's columns, as the table was made.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, sort_order=1)
