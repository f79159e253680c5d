"""Complaints and the complaint reviews they open (R4)."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.db import UTCDateTime, new_id, utcnow
from registry.models.base import Base


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
