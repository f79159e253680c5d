from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from porttrust_shared.settings import ServiceSettings

# Points an event takes off a score of 100 on the day it happens (README: score formula).
DEFAULT_EVENT_WEIGHTS: dict[str, float] = {
    "fraud_case": 60,
    "real_name_violation": 40,
    "sublet_or_transfer": 30,
    "out_of_scope_use": 20,
    "mixed_sub_port_use": 15,
    "complaint_review_confirmed": 20,
    "marketing_on_service_port": 15,
    "opt_out_ignored": 10,
    "backfill_overdue": 10,
    "template_mismatch": 5,
    "spam_complaint": 5,
}


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIT_", extra="ignore", frozen=True)

    service_name: str = "credit"
    port: int = 8002
    registry_url: str = "http://127.0.0.1:8001"

    # JSON object {type: weight}; merged over the defaults, so it can add types or reweigh.
    event_weights: dict[str, float] = Field(default_factory=dict, validate_default=True)
    recovery_points_per_30_days: float = Field(default=5.0, ge=0)
    blacklist_score_threshold: float = Field(default=60.0, ge=0, le=100)
    blacklist_event_types: list[str] = Field(
        default_factory=lambda: ["fraud_case", "real_name_violation"])
    expiry_sweep_seconds: float = Field(default=60.0, gt=0)

    @field_validator("event_weights")
    @classmethod
    def _merge_weights(cls, value: dict[str, Any]) -> dict[str, float]:
        merged = {**DEFAULT_EVENT_WEIGHTS, **value}
        if any(w < 0 or w > 100 for w in merged.values()):
            raise ValueError("event weights must be between 0 and 100")
        return merged
