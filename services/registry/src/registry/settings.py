from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from porttrust_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    service_name: str = "registry"
    port: int = 8001
    credit_url: str = "http://127.0.0.1:8002"
    whitelist_url: str = "http://127.0.0.1:8003"
    # CSV "name,id_number" the local identity verifier checks names against, when set.
    identity_match_file: Path | None = None
    # R4: this many valid complaints on one sub-port within the window open a review.
    complaint_review_threshold: int = Field(default=5, ge=1)
    complaint_review_window_days: int = Field(default=10, ge=1)
    # Templates are "mostly fixed text" (R6) when either bound holds: this many fixed
    # characters, or this share of fixed characters against fixed plus variable maxima.
    template_min_fixed_chars: int = Field(default=15, ge=1)
    template_min_fixed_share: float = Field(default=0.5, gt=0, le=1)
    # Gateway violations (R4, R6): a sub-port's day of template mismatches above this share
    # of at least this many checks becomes a credit event; the job runs this often (0: off).
    gateway_mismatch_share: float = Field(default=0.2, gt=0, le=1)
    gateway_mismatch_min_checks: int = Field(default=20, ge=1)
    gateway_violation_scan_seconds: float = Field(default=3600, ge=0)
    # R9: how often the daily progress job looks whether today's snapshot is taken; 0: off.
    progress_check_seconds: float = Field(default=300, ge=0)
    # The send log's commits (PostgreSQL): true waits for each group's write-ahead log to reach
    # the disk before the checks are answered; false answers once the rows are committed
    # (visible to every reader) and lets the disk write follow within PostgreSQL's
    # wal_writer_delay (a database crash can lose the last fraction of a second of rows).
    send_log_synchronous_commit: bool = True
    # How often the back-fill deadline sweep looks for a campaign whose deadline passed.
    backfill_sweep_seconds: float = Field(default=30.0, gt=0)
