from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from credit.clients import RegistryClient
from credit.deps import CreditState
from credit.main import create_app
from credit.settings import Settings
from porttrust_dev.testing import ServiceSpec

TraceHandler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="credit", service_dir=Path(__file__).resolve().parents[1],
                       settings_cls=Settings, create_app=create_app)


@pytest.fixture
async def registry(app: FastAPI) -> AsyncIterator[Callable[[TraceHandler], None]]:
    """registry(handler): registry's answers come from `handler` (an httpx MockTransport)."""
    clients: list[httpx.AsyncClient] = []

    def install(handler: TraceHandler) -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        clients.append(http)
        CreditState.of(app).registry = RegistryClient(base_url="http://registry.test",
                                                      tokens=None, http=http)

    yield install
    CreditState.of(app).registry = None
    for http in clients:
        await http.aclose()


@pytest.fixture
def index(app: FastAPI) -> Callable[[str], str]:
    """index(id_number): the blind index every service computes for an ID number."""
    cipher = CreditState.of(app).cipher
    return lambda id_number: str(cipher.blind_index(id_number, field="id_number"))


@pytest.fixture
def trace_body() -> Callable[..., dict[str, Any]]:
    """trace_body(number, holder=, user_unit=, handler_index=): registry's trace answer."""

    def make(number: str, *, holder: str, user_unit: str,
             handler_index: str | None) -> dict[str, Any]:
        handler = None if handler_index is None else {
            "id": "h1", "name": "张*", "id_number": "110105********002X",
            "phone": "138****5678", "id_number_index": handler_index}
        return {
            "number": number, "at": "2026-01-01T00:00:00+00:00", "matched": "sub_port",
            "sub_port": {"number": number, "status": "active", "business_type": "marketing",
                         "purpose": "promotions", "machine_room": "GZ-1",
                         "equipment": "SMSC-7", "province": "44", "whitelisted": False},
            "port": {"number": number[:8], "scope": "provincial", "province": "44"},
            "holder": {"uscc": holder, "name": "Holder Co"},
            "user_unit": {"uscc": user_unit, "name": "User Unit Co"},
            "handler": handler,
        }

    return make
