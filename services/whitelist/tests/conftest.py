from pathlib import Path

import pytest

from porttrust_shared.testing import ServiceSpec
from whitelist.main import create_app
from whitelist.settings import Settings


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="whitelist", service_dir=Path(__file__).resolve().parents[1],
                       settings_cls=Settings, create_app=create_app)
