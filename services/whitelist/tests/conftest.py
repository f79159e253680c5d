from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from porttrust_dev.testing import ServiceSpec, faked_client
from whitelist.clients import RegistryClient
from whitelist.main import create_app
from whitelist.settings import Settings

APPLICANT, APPROVER = "user:applicant", "user:approver"


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="whitelist", service_dir=Path(__file__).resolve().parents[1],
                       settings_cls=Settings, create_app=create_app)


class FakeRegistry:
    """Stands in for registry behind a real RegistryClient: every number and USCC is
    registered in province 44 unless `provinces` says another (by number or USCC) or it is
    in `unknown`; or registry is `down`."""

    def __init__(self) -> None:
        self.provinces: dict[str, str] = {}
        self.unknown: set[str] = set()
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("registry is down", request=request)
        kind, key = request.url.path.split("/")[-2:]
        if key in self.unknown:
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        province = self.provinces.get(key, "44")
        if kind == "numbers":
            return httpx.Response(200, json={"number": key, "kind": "sub_port",
                                             "province": province})
        return httpx.Response(200, json={"uscc": key, "name": "单位", "province": province})


@pytest.fixture(autouse=True)
async def registry(app: Any) -> AsyncIterator[FakeRegistry]:
    fake = FakeRegistry()
    async with faked_client(app, "registry", RegistryClient, fake):
        yield fake


class Whitelist:
    """Small steps the tests repeat: apply as one person, decide as another. The number
    applied for is registered (the fake registry) in the province the body names."""

    def __init__(self, client: httpx.AsyncClient, headers: Callable[..., dict[str, str]],
                 registry: FakeRegistry):
        self.client, self.headers, self.registry = client, headers, registry

    def body(self, number: str = "106901234567", **fields: Any) -> dict[str, Any]:
        return {"number": number, "category": "life_safety",
                "justification": "Hospital emergency alerts", "province": "44", **fields}

    async def apply(self, number: str = "106901234567", **fields: Any) -> dict[str, Any]:
        if fields.get("province"):
            self.registry.provinces[number] = fields["province"]
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
def wl(client: httpx.AsyncClient, headers: Callable[..., dict[str, str]],
       registry: FakeRegistry) -> Whitelist:
    return Whitelist(client, headers, registry)
