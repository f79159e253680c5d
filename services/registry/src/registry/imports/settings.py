from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
