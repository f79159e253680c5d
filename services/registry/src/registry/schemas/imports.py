import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from registry.schemas.ports import Backfill


class ImportCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


class ImportError_(BaseModel):
    """Why one row was not imported. The rejected value is never repeated."""

    model_config = ConfigDict(from_attributes=True, title="ImportRowError")
    row: int = Field(description="Line number in the file (the CSV header is line 1).")
    number: str | None = None
    code: str = Field(description="Reason code, e.g. bad_uscc, bad_id_number, unknown_port, "
                                  "duplicate_number, bad_encoding, nested_too_deep, "
                                  "nul_character, credit_unavailable.")
    field: str | None = None
    detail: str | None = None


class ImportRowResult(BaseModel):
    row: int
    number: str | None
    outcome: Literal["created", "updated", "unchanged", "failed"]
    backfill: Backfill | None = Field(
        default=None, description="For rows with status active: the sub-port's back-fill "
                                  "state after the import.")


class ImportResult(BaseModel):
    """A small file's import, answered inline."""

    status: Literal["done"] = "done"
    encoding: str
    total: int
    counts: ImportCounts
    errors: list[ImportError_]
    results: list[ImportRowResult]


class ImportJobRead(BaseModel):
    """A large file's import: progress so far, errors a page at a time."""

    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    total: int
    processed: int
    counts: ImportCounts
    created_at: dt.datetime
    finished_at: dt.datetime | None
    detail: str | None = None
    errors: list[ImportError_]
    next_cursor: str | None = None
