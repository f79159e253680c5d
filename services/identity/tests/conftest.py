from pathlib import Path

import pytest

from identity.main import create_app
from identity.settings import Settings
from porttrust_shared.testing import ServiceSpec


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="identity", service_dir=Path(__file__).resolve().parents[1],
                       settings_cls=Settings, create_app=create_app)
