"""Bulk import jobs and the rows they refused."""

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from porttrust_shared.db import UTCDateTime, new_id, utcnow
from registry.models.base import Base


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
