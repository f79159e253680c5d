from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from porttrust_shared.settings import ServiceSettings

IMPORT_PATH = "/v1/sub-ports/import"


class ImportSettings(BaseSettings):
    """REGISTRY_IMPORT_JOB_THRESHOLD: files with more rows run as a job (202);
    REGISTRY_IMPORT_CHUNK_SIZE: rows per batch, per commit and per blacklist screening;
    REGISTRY_IMPORT_MAX_BYTES: the largest file POST /v1/sub-ports/import accepts (413
    above it). It replaces REGISTRY_MAX_BODY_BYTES on that route only: a 100,000-row CSV is
    15-20 MB, while every other route keeps the small cap.
    REGISTRY_IMPORT_MAX_CONCURRENT: imports one client may run at once (a job counts until it
    ends); one more is a 429 with Retry-After REGISTRY_IMPORT_RETRY_AFTER_SECONDS."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_IMPORT_", extra="ignore",
                                      frozen=True)

    job_threshold: int = 2000
    # 10,000: half the round trips and commits of 5,000 (a 100,000-row job ran ~10% faster);
    # a chunk's credit screening still goes in calls of at most 1,000 subjects.
    chunk_size: int = 10000
    max_bytes: int = 64 * 1024 * 1024
    max_concurrent: int = Field(default=2, ge=1)
    retry_after_seconds: int = Field(default=10, ge=1)

    def body_limits(self) -> dict[str, int]:
        """The import route's own body cap, for the request middleware."""
        return {IMPORT_PATH: self.max_bytes}


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
    # The bulk import's own group, read from REGISTRY_IMPORT_* (see ImportSettings).
    imports: ImportSettings = Field(default_factory=ImportSettings)


class CliSettings(BaseSettings):
    """What `python -m registry import|export` takes from the environment when its flags are
    not given: REGISTRY_URL (the registry to call), PORTTRUST_TOKEN, or PORTTRUST_CLIENT_ID
    and PORTTRUST_CLIENT_SECRET (client credentials for a token)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    url: str = Field(default="http://127.0.0.1:8001", validation_alias="REGISTRY_URL")
    token: str | None = Field(default=None, validation_alias="PORTTRUST_TOKEN")
    client_id: str | None = Field(default=None, validation_alias="PORTTRUST_CLIENT_ID")
    client_secret: str | None = Field(default=None, validation_alias="PORTTRUST_CLIENT_SECRET")
