import json
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from porttrust_shared.settings import PLACEHOLDER_SECRETS, ServiceSettings
from porttrust_shared.tokens import MAX_LIFETIME_SECONDS


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", frozen=True)

    service_name: str = "identity"
    port: int = 8000
    token_lifetime_seconds: int = 900
    # Services a token is for when the request names no audience.
    default_audience: str = "identity,registry,credit,whitelist"
    # JSON list of {"client_id", "client_secret", "name", "roles", "province"} created at start
    # if absent: how the other services get their machine credentials without a human step.
    bootstrap_clients: str = "[]"
    # Origins allowed to call /v1/token from a browser (the other services' Swagger UIs).
    cors_origins: str = "http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003"
    key_rotation_days: int = 30
    # Brute-force brakes on /v1/token (per process; README "Sign-in throttling"): failures per
    # name at one address, per address, and per name from addresses it never signed in from.
    login_max_failures: int = Field(default=5, ge=1)
    login_address_max_failures: int = Field(default=20, ge=1)
    login_name_max_failures: int = Field(default=10, ge=1)
    login_failure_window_seconds: float = Field(default=300.0, gt=0)
    login_lockout_seconds: float = Field(default=120.0, gt=0)
    login_known_address_days: float = Field(default=30.0, ge=0)
    # Password hashes (argon2: 4 lanes, tens of ms each) checked at once; a sign-in waits this
    # long for one, at most this many wait, the others get 429 at once.
    login_max_concurrent_hashes: int = Field(default=2, ge=1)
    login_hash_wait_seconds: float = Field(default=10.0, ge=0)
    login_max_waiting_hashes: int = Field(default=64, ge=0)
    # The first start's admin password (PORTTRUST_ADMIN_PASSWORD); unset: one is generated
    # and printed once on the console.
    admin_password: SecretStr | None = Field(default=None,
                                             validation_alias="PORTTRUST_ADMIN_PASSWORD")

    @model_validator(mode="after")
    def _identity_guards(self) -> "Settings":
        if not 60 <= self.token_lifetime_seconds <= MAX_LIFETIME_SECONDS:
            raise ValueError(f"token_lifetime_seconds must be 60..{MAX_LIFETIME_SECONDS}")
        specs = self.bootstrap_client_specs()
        if self.environment == "prod" and any(_weak(spec) for spec in specs):
            raise ValueError("bootstrap_clients holds a placeholder or short client_secret")
        return self

    def bootstrap_client_specs(self) -> list[dict[str, Any]]:
        specs = json.loads(self.bootstrap_clients or "[]")
        if not isinstance(specs, list) or not all(
                isinstance(s, dict) and {"client_id", "client_secret", "roles"} <= s.keys()
                for s in specs):
            raise ValueError("bootstrap_clients must be a JSON list of objects with client_id, "
                             "client_secret and roles")
        return specs


def _weak(spec: dict[str, Any]) -> bool:
    secret = str(spec["client_secret"])
    return secret.lower() in PLACEHOLDER_SECRETS or len(secret) < 16
