from pydantic_settings import SettingsConfigDict

from porttrust_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIT_", extra="ignore", frozen=True)

    service_name: str = "credit"
    port: int = 8002
    registry_url: str = "http://127.0.0.1:8001"
