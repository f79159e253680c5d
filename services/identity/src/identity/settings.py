from pydantic_settings import SettingsConfigDict

from porttrust_shared.settings import ServiceSettings


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
