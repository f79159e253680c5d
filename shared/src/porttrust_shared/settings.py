"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from porttrust_shared.retention import MIN_RETENTION_MONTHS, check_retention_months

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "dev-secret", "password"}
# A fixed development key so `make run` works out of the box; refused outside dev.
DEV_PII_KEY = "ZGV2LW9ubHktcGlpLWtleS0zMi1ieXRlcy1sb25nISE="  # 32 bytes, base64
DEV_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LWZvci1oYXNo"
REPO_ROOT = Path(__file__).resolve().parents[3]
VAR_DIR_ENV = "PORTTRUST_VAR_DIR"


def default_var_dir() -> Path:
    """PORTTRUST_VAR_DIR (as `make run` and every command take it), else `var/` in the
    repository; `<SERVICE>_VAR_DIR` still wins for one service."""
    chosen = os.environ.get(VAR_DIR_ENV)
    return Path(chosen).resolve() if chosen else REPO_ROOT / "var"


class ServiceSettings(BaseSettings):
    """Every field is read from `<PREFIX>_<NAME>` (e.g. REGISTRY_DATABASE_URL)."""

    # A refused setting must not print the others (secrets among them) in its error.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    service_name: str = "service"
    environment: Literal["dev", "test", "prod"] = "dev"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = ""
    var_dir: Path = Field(default_factory=default_var_dir)

    # Token verification: identity's issuer and where its keys are published.
    issuer: str = "http://127.0.0.1:8000"
    jwks_url: str = ""  # empty: identity_url + /.well-known/jwks.json
    jwks_file: Path | None = None
    jwks_cache_seconds: int = 300

    # This service's own machine credentials, for calling other services.
    identity_url: str = "http://127.0.0.1:8000"
    # Where a browser reaches identity (Swagger's Authorize); empty: identity_url.
    public_identity_url: str = ""
    client_id: str = ""
    client_secret: str = ""

    # PII at rest: keyring "kid:base64key,kid2:base64key"; the first one encrypts.
    pii_keys: str = f"dev1:{DEV_PII_KEY}"
    blind_index_key: str = DEV_INDEX_KEY

    max_body_bytes: int = 5 * 1024 * 1024
    # A request's line and headers together, and how many header fields (431 beyond).
    max_header_bytes: int = Field(default=32 * 1024, ge=4096)
    max_headers: int = Field(default=100, ge=16)
    page_limit_max: int = 500
    outbox_interval_seconds: float = 1.0
    outbox_max_attempts: int = 0  # 0: keep retrying until delivered
    log_level: str = "INFO"
    # Hot reads kept in memory while PostgreSQL reports no change (porttrust_shared.changes):
    # at most this many seconds; 0 turns the cache off. SQLite never caches.
    read_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # Logs (send log, MO messages) are kept this many calendar months plus one day (R6).
    retention_months: int = Field(default=MIN_RETENTION_MONTHS)
    # The old day-count setting: refused when set, so nobody believes it still applies.
    retention_days: int | None = None

    @model_validator(mode="after")
    def _defaults_and_guards(self) -> ServiceSettings:
        if not self.database_url:
            url = f"sqlite+aiosqlite:///{self.var_dir / (self.service_name + '.db')}"
            object.__setattr__(self, "database_url", url)
        if not self.jwks_url:
            jwks = self.identity_url.rstrip("/") + "/.well-known/jwks.json"
            object.__setattr__(self, "jwks_url", jwks)
        check_retention_months(self.retention_months)
        if self.retention_days is not None:
            raise ValueError("retention_days is replaced by retention_months (calendar months)")
        if self.environment == "prod":
            self._refuse_placeholders()
        return self

    def _refuse_placeholders(self) -> None:
        keys = [part.split(":", 1)[-1] for part in self.pii_keys.split(",")]
        if DEV_PII_KEY in keys or self.blind_index_key == DEV_INDEX_KEY:
            raise ValueError("development PII keys are refused outside dev")
        if self.client_id and (self.client_secret.lower() in PLACEHOLDER_SECRETS
                               or len(self.client_secret) < 16):
            raise ValueError("placeholder or short client_secret is refused outside dev")
        if self.is_sqlite:
            raise ValueError("production needs a PostgreSQL database_url")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
