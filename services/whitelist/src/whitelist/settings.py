from pydantic_settings import SettingsConfigDict

from porttrust_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WHITELIST_", extra="ignore", frozen=True)

    service_name: str = "whitelist"
    port: int = 8003
    registry_url: str = "http://127.0.0.1:8001"
    # How often expired entries are announced to registry; 0 turns the sweep off.
    expiry_sweep_seconds: float = 60.0
