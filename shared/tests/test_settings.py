"""Settings: one env prefix per service; production refuses development secrets."""

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from porttrust_shared.settings import ServiceSettings

REAL_PII = "k1:" + "cmVhbC1wcm9kdWN0aW9uLWtleS0zMi1ieXRlcy0hISE="
REAL_INDEX = "cmVhbC1wcm9kdWN0aW9uLWluZGV4LWtleS0hIQ=="
PG = "postgresql+asyncpg://pt@db/registry"


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore", frozen=True)
    service_name: str = "example"


def prod(**overrides):
    values = {"environment": "prod", "pii_keys": REAL_PII, "blind_index_key": REAL_INDEX,
              "database_url": PG, "client_id": "example", "client_secret": "s" * 32}
    values.update(overrides)
    return ExampleSettings(**values)


def test_fields_are_read_from_the_service_prefix(monkeypatch):
    monkeypatch.setenv("EXAMPLE_PAGE_LIMIT_MAX", "42")
    monkeypatch.setenv("PAGE_LIMIT_MAX", "7")
    assert ExampleSettings().page_limit_max == 42


def test_dev_defaults_to_a_sqlite_file_under_var(tmp_path):
    settings = ExampleSettings(var_dir=tmp_path)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'example.db'}"
    assert settings.is_sqlite


def test_production_with_real_secrets_starts():
    assert prod().environment == "prod"


def test_production_refuses_the_development_pii_key():
    with pytest.raises(ValidationError, match="development PII keys"):
        prod(pii_keys=ExampleSettings().pii_keys)


def test_production_refuses_the_development_pii_key_even_as_an_old_key():
    with pytest.raises(ValidationError, match="development PII keys"):
        prod(pii_keys=REAL_PII + "," + ExampleSettings().pii_keys)


def test_production_refuses_the_development_blind_index_key():
    with pytest.raises(ValidationError, match="development PII keys"):
        prod(blind_index_key=ExampleSettings().blind_index_key)


@pytest.mark.parametrize("secret", ["", "changeme", "secret", "PASSWORD", "short"])
def test_production_refuses_placeholder_client_secrets(secret):
    with pytest.raises(ValidationError, match="client_secret"):
        prod(client_secret=secret)


def test_production_refuses_sqlite():
    with pytest.raises(ValidationError, match="PostgreSQL"):
        prod(database_url="sqlite+aiosqlite:///var/x.db")


def test_production_refuses_the_default_sqlite_file():
    with pytest.raises(ValidationError, match="PostgreSQL"):
        prod(database_url="")


def test_development_accepts_its_own_keys():
    assert ExampleSettings(environment="dev", client_id="x", client_secret="dev").is_sqlite


@pytest.mark.parametrize("months", [0, 1, 5])
def test_retention_below_six_months_is_refused(months):
    with pytest.raises(ValidationError, match="6 calendar months"):
        ExampleSettings(retention_months=months)


def test_retention_of_six_months_is_accepted():
    assert ExampleSettings(retention_months=6).retention_months == 6


def test_the_old_day_count_retention_setting_is_refused():
    with pytest.raises(ValidationError, match="retention_months"):
        ExampleSettings(retention_days=365)


def test_settings_are_frozen():
    settings = ExampleSettings()
    with pytest.raises(ValidationError):
        settings.page_limit_max = 1


def test_jwks_url_follows_identity_url_unless_set():
    assert (ExampleSettings(identity_url="https://id.example/").jwks_url
            == "https://id.example/.well-known/jwks.json")
    assert ExampleSettings(jwks_url="https://other/jwks").jwks_url == "https://other/jwks"


def test_var_dir_follows_porttrust_var_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTTRUST_VAR_DIR", str(tmp_path))
    settings = ServiceSettings(service_name="demo")
    assert settings.var_dir == tmp_path
    assert settings.database_url.endswith(f"{tmp_path}/demo.db")
