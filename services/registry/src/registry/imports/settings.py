from pydantic_settings import BaseSettings, SettingsConfigDict


class ImportSettings(BaseSettings):
    """REGISTRY_IMPORT_JOB_THRESHOLD: files with more rows run as a job (202);
    REGISTRY_IMPORT_CHUNK_SIZE: rows per batch, per commit and per blacklist screening."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_IMPORT_", extra="ignore",
                                      frozen=True)

    job_threshold: int = 2000
    chunk_size: int = 5000
