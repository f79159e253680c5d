"""Tables around the records that keep them honest over time: agreements (R3, R4), flags of
inaccurate data (核查不准确) and the daily progress snapshots HQ watches (R9)."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.db import UTCDateTime, new_id, utcnow
from registry.models.base import Base


class Agreement(Base):
    """A signed contract: a holder's supplementary agreement with the operator, or a user
    unit's service agreement with the holder of its port (`counterparty_uscc`)."""

    __tablename__ = "agreements"
    __table_args__ = (Index("ix_agreements_party", "organization_uscc", "kind",
                            "counterparty_uscc"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_uscc: Mapped[str] = mapped_column(String(18))
    province: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    counterparty_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    document_ref: Mapped[str] = mapped_column(String(200))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    clauses: Mapped[list[str]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Inaccuracy(Base):
    """A field of a sub-port found wrong on checking. It holds while the field still has the
    value it had when flagged (`value`), until a different person clears it."""

    __tablename__ = "inaccuracies"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sub_port_number: Mapped[str] = mapped_column(String(21), index=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(500))
    flagged_by: Mapped[str] = mapped_column(String(128))
    # The flagger's root person (token claim `owner`), whom the four-eyes rule compares.
    flagged_person: Mapped[str | None] = mapped_column(String(128))
    flagged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_by: Mapped[str | None] = mapped_column(String(128))
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    clear_reason: Mapped[str | None] = mapped_column(String(500))


class ProgressSnapshot(Base):
    """One province's back-fill figures on one day (UTC); taken again the same day, the row
    is brought up to date, never doubled. `combing` is null when whitelist could not say."""

    __tablename__ = "progress_snapshots"
    __table_args__ = (UniqueConstraint("province", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    province: Mapped[str] = mapped_column(String(2))
    day: Mapped[str] = mapped_column(String(10), index=True)
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    combing: Mapped[dict[str, Any] | None] = mapped_column(JSON)
