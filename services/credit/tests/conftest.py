from pathlib import Path

import pytest

from credit.main import create_app
from credit.settings import Settings
from porttrust_shared.testing import ServiceSpec


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="credit", service_dir=Path(__file__).resolve().parents[1],
                       settings_cls=Settings, create_app=create_app)
