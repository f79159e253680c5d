from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from porttrust_dev.testing import ServiceSpec
from whitelist.main import create_app
from whitelist.settings import Settings

APPLICANT, APPROVER = "user:applicant", "user:approver"


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="whitelist", service_dir=Path(__file__).resolve().parents[1],
                       settings_cls=Settings, create_app=create_app)


class Whitelist:
    """Small steps the tests repeat: apply as one person, decide as another."""

    def __init__(self, client: httpx.AsyncClient, headers: Callable[..., dict[str, str]]):
        self.client, self.headers = client, headers

    def body(self, number: str = "106901234567", **fields: Any) -> dict[str, Any]:
        return {"number": number, "category": "life_safety",
                "justification": "Hospital emergency alerts", "province": "44", **fields}

    async def apply(self, number: str = "106901234567", **fields: Any) -> dict[str, Any]:
        response = await self.client.post("/v1/applications", json=self.body(number, **fields),
                                          headers=self.headers("whitelist_admin", sub=APPLICANT))
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def approve(self, application_id: str, sub: str = APPROVER) -> httpx.Response:
        return await self.client.post(f"/v1/applications/{application_id}/approve",
                                      json={"comment": "checked"},
                                      headers=self.headers("whitelist_admin", sub=sub))

    async def grant(self, number: str = "106901234567", **fields: Any) -> dict[str, Any]:
        application = await self.apply(number, **fields)
        response = await self.approve(application["id"])
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def wl(client: httpx.AsyncClient, headers: Callable[..., dict[str, str]]) -> Whitelist:
    return Whitelist(client, headers)
