from pathlib import Path

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
