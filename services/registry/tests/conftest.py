import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from porttrust_dev import testdata
from porttrust_dev.testing import (
    TEST_ISSUER,
    ServiceSpec,
    drop_postgres,
    migrated_database,
    separate_engine,
)
from porttrust_shared.db import utcnow
from registry.clients import CreditClient, WhitelistClient
from registry.main import create_app
from registry.models import EntityVersion
from registry.service.agreements import REQUIRED_CLAUSES
from registry.settings import ImportSettings, Settings


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="registry", service_dir=Path(__file__).resolve().parents[1],
                       settings_cls=Settings, create_app=create_app)


class FakeCredit:
    """Stands in for credit's POST /v1/blacklist/check behind a real CreditClient."""

    def __init__(self) -> None:
        self.blacklisted: set[tuple[str, str]] = set()
        self.sanctions: list[str] | None = None  # what a listing carries; None: not said
        self.down = False
        self.calls: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("credit is down", request=request)
        body = json.loads(request.content)
        self.calls.append(body)
        results = [{"kind": s["kind"], "blacklisted": (s["kind"], s["key"]) in self.blacklisted,
                    "sanctions": self.sanctions} for s in body["subjects"]]
        return httpx.Response(200, json={"results": results})


@pytest.fixture(autouse=True)
async def credit(app: Any) -> AsyncIterator[FakeCredit]:
    fake = FakeCredit()
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake))
    app.state.credit = CreditClient(base_url="http://credit.test", tokens=None, http=http)
    yield fake
    await http.aclose()


class FakeWhitelist:
    """Stands in for whitelist behind a real WhitelistClient: `whitelisted` numbers for
    POST /v1/status/batch (each call's numbers kept in `calls`; the covering entry's
    province from `provinces` where set), combing counts (`progress` may be set), or down."""

    def __init__(self) -> None:
        self.whitelisted: set[str] = set()
        self.provinces: dict[str, str] = {}
        self.down = False
        self.calls: list[list[str]] = []
        self.progress: dict[str, Any] = {"provinces": []}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("whitelist is down", request=request)
        if request.url.path == "/v1/progress":
            return httpx.Response(200, json=self.progress)
        numbers = json.loads(request.content)["numbers"]
        self.calls.append(numbers)
        return httpx.Response(200, json={"results": [
            {"number": n, "whitelisted": n in self.whitelisted,
             **({"province": self.provinces[n]} if n in self.provinces else {})}
            for n in numbers]})


@pytest.fixture(autouse=True)
async def whitelist(app: Any) -> AsyncIterator[FakeWhitelist]:
    fake = FakeWhitelist()
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake))
    app.state.whitelist = WhitelistClient(base_url="http://whitelist.test", tokens=None,
                                          http=http)
    yield fake
    await http.aclose()


SERVICE_CLAUSES = REQUIRED_CLAUSES["service"]


class Registry:
    """Small factories over the API, as an HQ admin unless told otherwise."""

    def __init__(self, client: httpx.AsyncClient, headers: Callable[..., dict[str, str]]):
        self.client, self.headers, self.hq = client, headers, headers("hq_admin")
        self._n = 0

    def next(self) -> int:
        self._n += 1
        return self._n

    def new_uscc(self) -> str:
        return testdata.uscc(900 + self.next())

    def new_id_number(self) -> str:
        return testdata.id_number(900 + self.next())

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.hq)
        assert response.status_code in (200, 201), response.text
        data: dict[str, Any] = response.json()
        return data

    async def org(self, province: str = "44", **kw: Any) -> dict[str, Any]:
        n = self.next()
        return await self.post("/v1/organizations", {
            "uscc": testdata.uscc(n), "name": f"单位{n}", "province": province, **kw})

    async def handler(self, org: dict[str, Any], *, verified: bool = True) -> dict[str, Any]:
        n = self.next()
        body = {"name": "张三", "id_number": testdata.id_number(n),
                "phone": f"138{n:08d}", "organization_uscc": org["uscc"]}
        handler = await self.post("/v1/handlers", body)
        if verified:
            handler = await self.post(f"/v1/handlers/{handler['id']}/verify", {})
        return handler

    async def port(self, number: str = "10690123", province: str = "44",
                   holder: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        holder = holder or await self.org(province, roles=["holder"])
        return await self.post("/v1/ports", {"number": number, "holder_uscc": holder["uscc"],
                                             "province": province, "scope": "provincial", **kw})

    async def sub_port(self, number: str = "106901234567", province: str = "44",
                       **kw: Any) -> dict[str, Any]:
        return await self.post("/v1/sub-ports", {"number": number, "province": province, **kw})

    async def holder_of(self, number: str) -> str | None:
        """The holder of the registered port `number` extends (longest prefix), if any."""
        response = await self.client.get("/v1/ports", params={"limit": 500}, headers=self.hq)
        ports = [p for p in response.json()["items"] if number.startswith(p["number"])]
        return max(ports, key=lambda p: len(p["number"]))["holder_uscc"] if ports else None

    async def service_agreement(self, unit_uscc: str, holder_uscc: str,
                                clauses: list[str] | None = None) -> dict[str, Any]:
        """The user unit's service agreement with its port's holder (R4)."""
        return await self.post(f"/v1/organizations/{unit_uscc}/agreements", {
            "kind": "service", "counterparty_uscc": holder_uscc,
            "signed_at": "2026-03-01T09:00:00+08:00", "document_ref": "合同-2026-001",
            "clauses": clauses if clauses is not None else list(SERVICE_CLAUSES)})

    async def signed_unit(self, province: str, number: str) -> dict[str, Any]:
        """A user unit that signed a service agreement with the holder of `number`'s port."""
        unit = await self.org(province, roles=["user_unit"])
        if holder := await self.holder_of(number):
            await self.service_agreement(unit["uscc"], holder)
        return unit

    async def complete_sub_port(self, number: str = "106901234567", province: str = "44",
                                *, verified: bool = True) -> dict[str, Any]:
        unit = await self.signed_unit(province, number)
        handler = await self.handler(unit, verified=verified)
        return await self.sub_port(
            number, province, user_unit_uscc=unit["uscc"], handler_id=handler["id"],
            business_type="notification", purpose="订单发货通知", machine_room="广州南方基地A3",
            equipment="SMSC-GZ-07")


    async def signatures(self, uscc: str, *texts: str) -> list[dict[str, Any]]:
        """Register and approve (two people) each 【signature】 for a user unit: a template
        naming one is refused until then (signature_not_registered)."""
        made = []
        for text in texts:
            created = await self.client.post(
                f"/v1/organizations/{uscc}/signatures",
                json={"text": text, "evidence_ref": "商标注册证 第12345678号"},
                headers=self.headers("hq_admin", sub="signature-author"))
            assert created.status_code == 201, created.text
            approved = await self.client.post(
                f"/v1/signatures/{created.json()['id']}/approve",
                headers=self.headers("hq_admin", sub="signature-checker"))
            assert approved.status_code == 200, approved.text
            made.append(approved.json())
        return made

    async def approved_template(self, number: str, text: str,
                                kind: str = "notification") -> dict[str, Any]:
        """A template on a sub-port with a user unit, its signature registered first."""
        unit = (await self.client.get(f"/v1/sub-ports/{number}", headers=self.hq)
                ).json()["user_unit_uscc"]
        signature = text[1:text.index("】")]
        known = await self.client.get(f"/v1/organizations/{unit}/signatures?status=approved",
                                      headers=self.hq)
        if signature not in {s["text"] for s in known.json()["items"]}:
            await self.signatures(unit, signature)
        template = await self.client.post(f"/v1/sub-ports/{number}/templates",
                                          json={"text": text, "kind": kind},
                                          headers=self.headers("hq_admin", sub="author"))
        assert template.status_code == 201, template.text
        approved = await self.client.post(f"/v1/templates/{template.json()['id']}/approve",
                                          headers=self.headers("hq_admin", sub="checker"))
        assert approved.status_code == 200, approved.text
        data: dict[str, Any] = approved.json()
        return data

    async def reply(self, text: str, number: str = "106901234567",
                    sender: str = "13812345678") -> dict[str, Any]:
        """A recipient's reply as the gateway reports it."""
        response = await self.client.post("/v1/mo-messages", json={
            "sub_port": number, "sender": sender, "text": text,
            "received_at": "2026-11-29T04:00:00+08:00"}, headers=self.headers("gateway"))
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    async def check(self, content: str, number: str = "106901234567",
                    recipient: str = "13812345678") -> dict[str, Any]:
        """The gateway's send check."""
        response = await self.client.post("/v1/send-checks", json={
            "sub_port": number, "recipient": recipient, "content": content},
            headers=self.headers("gateway"))
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


    async def import_rows(self, rows: list[dict[str, Any]],
                          headers: dict[str, str] | None = None) -> dict[str, Any]:
        """POST the rows as NDJSON to the import; the 200 answer."""
        body = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
        response = await self.client.post(
            "/v1/sub-ports/import", content=body,
            headers={**(headers or self.hq), "Content-Type": "application/x-ndjson"})
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


@pytest.fixture
def import_settings(app: Any) -> Iterator[Callable[..., None]]:
    """`import_settings(chunk_size=2, ...)`: the app's import settings (REGISTRY_IMPORT_* in
    production) replaced until the test ends."""
    before = app.state.settings

    def use(**values: Any) -> None:
        app.state.settings = before.model_copy(update={"imports": ImportSettings(**values)})

    yield use
    app.state.settings = before


@pytest.fixture
def reg(client: httpx.AsyncClient, headers: Callable[..., dict[str, str]]) -> Registry:
    return Registry(client, headers)


@pytest.fixture
def push(client: httpx.AsyncClient,
         headers: Callable[..., dict[str, str]]) -> Callable[..., Any]:
    """push(topic, payload, source="credit"): deliver one event to POST /v1/events as
    another service's outbox relay would."""

    async def deliver(topic: str, payload: dict[str, Any],
                      source: str = "credit") -> httpx.Response:
        body = {"id": uuid.uuid4().hex, "source": source, "topic": topic, "payload": payload}
        return await client.post("/v1/events", json=body, headers=headers("service"))

    return deliver


# ---------------------------------------------------------------------- apps with lifespan
# For tests of the in-memory state on PostgreSQL (read cache, send check): apps of their own
# on a migrated database, lifespan on, sessions bound to the engine, as in production.

def _credit_says_nobody_is_blacklisted(request: httpx.Request) -> httpx.Response:
    subjects = httpx.Response(200, content=request.content).json()["subjects"]
    return httpx.Response(200, json={"results": [{"kind": s["kind"], "blacklisted": False}
                                                 for s in subjects]})


SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
async def cache_db(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    url = await migrated_database("registry_cache", SERVICE_DIR,
                                  tmp_path_factory.mktemp("db-registry-cache"))
    yield url
    await drop_postgres(url)


@pytest.fixture
async def writer(cache_db: str) -> AsyncIterator[Any]:
    """Another connection, as psql or another replica would change the database."""
    async with separate_engine(cache_db) as engine:
        yield engine


Serve = Callable[..., Awaitable[tuple[Any, httpx.AsyncClient]]]


@pytest.fixture
async def serve(cache_db: str, jwks_file: Path,
                tmp_path: Path) -> AsyncIterator[Serve]:
    """serve(read_cache_seconds=...) -> (app, client): a registry app with its lifespan on."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(read_cache_seconds: float = 60.0) -> tuple[Any, httpx.AsyncClient]:
            settings = Settings(
                environment="test", database_url=cache_db, jwks_file=jwks_file,
                issuer=TEST_ISSUER, var_dir=tmp_path, read_cache_seconds=read_cache_seconds,
                credit_url="http://credit.invalid", whitelist_url="http://whitelist.invalid",
                outbox_interval_seconds=300)
            app = create_app(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            # Its outbox events are for a credit that is not there: failed deliveries are
            # commits too, and would move the cache on at moments no test chose.
            await app.state.relay.stop()
            credit_http = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.MockTransport(_credit_says_nobody_is_blacklisted)))
            app.state.credit = CreditClient(base_url="http://credit.test", tokens=None,
                                            http=credit_http)
            if read_cache_seconds > 0:
                assert await app.state.changes.wait_live(10)
            client = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"))
            return app, client

        yield start


@pytest.fixture
async def sub_port_60_days_old(reg: Registry, db_session: Any) -> dict[str, Any]:
    """A complete sub-port whose records date back 60 days, so past complaints trace."""
    await reg.port()
    sub = await reg.complete_sub_port()
    await db_session.execute(update(EntityVersion).values(at=utcnow() - dt.timedelta(days=60)))
    return sub
