"""GET /v1/sub-ports/{number} from the read cache, end to end on PostgreSQL.

The usual `client` runs every request inside one uncommitted transaction, which bypasses the
cache. Here each test starts a registry app of its own on a migrated database, with its
lifespan running (so the change feed listens) and sessions bound to the engine, as in
production. The tables' NOTIFY triggers are switched off while a test sets up its records
(so no late notification of the set-up drops a value the test then expects to be cached) and
while a test checks read-your-writes (only registry's own commits may move its cache on then).
"""

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from porttrust_dev import testdata
from registry.service.agreements import REQUIRED_CLAUSES

pytestmark = pytest.mark.postgres  # the read cache only runs on PostgreSQL

Serve = Callable[..., Awaitable[tuple[Any, httpx.AsyncClient]]]  # conftest's `serve`
PORT = "10690123"
_counter = iter(range(1, 10_000))


@pytest.fixture
def credit() -> None:
    """Overrides the package's autouse fake, which is wired to the shared test app: the apps
    here get their own (see `serve`)."""


class Api:
    """Small factories over one app's API, as an HQ admin; they write with notifications off."""

    def __init__(self, client: httpx.AsyncClient, headers: Callable[..., dict[str, str]],
                 writer: Any) -> None:
        self.client, self.hq, self.writer = client, headers("hq_admin"), writer

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.hq)
        assert response.status_code in (200, 201), response.text
        data: dict[str, Any] = response.json()
        return data

    async def org(self, role: str) -> dict[str, Any]:
        n = next(_counter)
        return await self.post("/v1/organizations", {
            "uscc": testdata.uscc(n), "name": f"单位{n}", "province": "44",
            "roles": [role]})

    async def port(self) -> None:
        async with notifications_off(self.writer):
            await self._port()

    async def _port(self) -> None:
        holder = await self.org("holder")
        response = await self.client.post("/v1/ports", headers=self.hq, json={
            "number": PORT, "holder_uscc": holder["uscc"], "province": "44",
            "scope": "provincial"})
        assert response.status_code in (201, 409), response.text  # made by an earlier test

    async def handler(self, unit: dict[str, Any], *, verified: bool) -> dict[str, Any]:
        n = next(_counter)
        handler = await self.post("/v1/handlers", {
            "name": "张三", "id_number": testdata.id_number(n % 1000),
            "phone": f"138{n:08d}", "organization_uscc": unit["uscc"]})
        if verified:
            handler = await self.post(f"/v1/handlers/{handler['id']}/verify", {})
        return handler

    async def sub_port(self, *, complete: bool = False, verified: bool = True) -> str:
        async with notifications_off(self.writer):
            return await self._sub_port(complete=complete, verified=verified)

    async def _sub_port(self, *, complete: bool, verified: bool) -> str:
        await self._port()
        number = f"{PORT}{next(_counter):04d}"
        body: dict[str, Any] = {"number": number, "province": "44"}
        if complete:
            unit = await self.org("user_unit")
            port = await self.client.get(f"/v1/ports/{PORT}", headers=self.hq)
            await self.post(f"/v1/organizations/{unit['uscc']}/agreements", {
                "kind": "service", "counterparty_uscc": port.json()["holder_uscc"],
                "signed_at": "2026-03-01T00:00:00Z", "document_ref": "合同",
                "clauses": list(REQUIRED_CLAUSES["service"])})
            handler = await self.handler(unit, verified=verified)
            body |= {"user_unit_uscc": unit["uscc"], "handler_id": handler["id"],
                     "business_type": "notification", "purpose": "订单发货通知",
                     "machine_room": "广州南方基地A3", "equipment": "SMSC-GZ-07"}
        await self.post("/v1/sub-ports", body)
        return number

    async def get(self, number: str, **headers: str) -> httpx.Response:
        return await self.client.get(f"/v1/sub-ports/{number}", headers=headers or self.hq)

    async def read(self, number: str) -> dict[str, Any]:
        response = await self.get(number)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


@pytest.fixture
def api_of(headers: Callable[..., dict[str, str]],
           writer: Any) -> Callable[[httpx.AsyncClient], Api]:
    return lambda client: Api(client, headers, writer)


def without_instance(problem: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in problem.items() if key != "instance"}


def held(app: Any, number: str) -> bool:
    cache = app.state.changes.cache("sub_ports")
    return bool(cache.peek(number)[0])


async def silently(writer: Any, sql: str, **params: Any) -> None:
    """A change that sends no notification: the triggers are off for its transaction only."""
    async with writer.begin() as conn:
        await conn.execute(text("ALTER TABLE sub_ports DISABLE TRIGGER sub_ports_changed"))
        await conn.execute(text(sql), params)
        await conn.execute(text("ALTER TABLE sub_ports ENABLE TRIGGER sub_ports_changed"))


@contextlib.asynccontextmanager
async def notifications_off(writer: Any) -> AsyncIterator[None]:
    """No NOTIFY from sub_ports or handlers while inside: only this process's commits can move
    its cache on."""
    async with writer.begin() as conn:
        for table in ("sub_ports", "handlers"):
            await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_changed"))
    try:
        yield
    finally:
        async with writer.begin() as conn:
            for table in ("sub_ports", "handlers"):
                await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_changed"))


async def read_until(api: Api, number: str, check: Callable[[dict[str, Any]], bool],
                     seconds: float = 10.0) -> dict[str, Any]:
    # Usually a few milliseconds. Between reads the loop must give the event loop a turn: a
    # GET answered from memory does no I/O, so back-to-back reads in this process never let
    # the listener's connection read the notification off its socket (a starved loop, which
    # once made this test wait ~1 run in 12; a server's requests arrive by I/O and cannot).
    deadline = time.monotonic() + seconds
    while True:
        body = await api.read(number)
        if check(body):
            return body
        assert time.monotonic() < deadline, f"still {body}"
        await asyncio.sleep(0.005)


async def test_a_sub_port_read_twice_is_answered_from_memory_until_a_change_is_heard(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    app, client = await serve()
    api = api_of(client)
    number = await api.sub_port()
    first, second = await api.get(number), await api.get(number)
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert held(app, number)
    await silently(writer, "UPDATE sub_ports SET purpose = 'changed quietly' WHERE number = :n",
                   n=number)
    assert (await api.get(number)).content == first.content  # nothing told registry yet
    async with writer.begin() as conn:
        await conn.execute(text("SELECT pg_notify('porttrust_changes', 'sub_ports')"))
    await read_until(api, number, lambda body: body["purpose"] == "changed quietly")


async def test_a_patch_is_visible_to_the_very_next_get(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    app, client = await serve()
    api = api_of(client)
    number = await api.sub_port()
    before = await api.get(number)
    assert held(app, number)
    async with notifications_off(writer):
        patched = await client.patch(f"/v1/sub-ports/{number}", json={"purpose": "验证码"},
                                     headers={**api.hq, "If-Match": before.headers["etag"]})
        assert patched.status_code == 200, patched.text
        after = await api.get(number)
    assert after.json()["purpose"] == "验证码"
    assert after.headers["etag"] == patched.headers["etag"] != before.headers["etag"]


async def test_a_suspend_through_the_api_is_visible_at_once(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    app, client = await serve()
    api = api_of(client)
    number = await api.sub_port(complete=True)
    async with notifications_off(writer):
        await api.post(f"/v1/sub-ports/{number}/activate", {})
    assert (await api.read(number))["status"] == "active"
    assert held(app, number)
    async with notifications_off(writer):
        await api.post(f"/v1/sub-ports/{number}/suspend", {"reason": "投诉核查"})
        body = await api.read(number)
    assert (body["status"], body["status_reason"]) == ("suspended", "投诉核查")


async def test_a_handler_verified_through_the_api_is_visible_at_once(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    app, client = await serve()
    api = api_of(client)
    number = await api.sub_port(complete=True, verified=False)
    body = await api.read(number)
    assert "handler_verified" in body["missing"]
    assert held(app, number)
    async with notifications_off(writer):
        await api.post(f"/v1/handlers/{body['handler_id']}/verify", {})
        body = await api.read(number)
    assert "handler_verified" not in body["missing"]


async def cached_absence(serve: Serve,
                         api_of: Callable[[httpx.AsyncClient], Api]) -> tuple[Api, str]:
    """A fresh app whose cache holds a 404 for a number under a registered port."""
    app, client = await serve()
    api = api_of(client)
    await api.port()
    number = f"{PORT}{next(_counter):04d}"
    assert (await api.get(number)).status_code == 404
    assert held(app, number)  # the absence is cached too
    return api, number


async def test_a_sub_port_registered_after_a_404_is_found_at_once(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    api, number = await cached_absence(serve, api_of)
    async with notifications_off(writer):
        await api.post("/v1/sub-ports", {"number": number, "province": "44"})
        found = await api.get(number)
    assert found.status_code == 200


async def test_an_update_made_on_another_connection_is_visible_shortly_after(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    app, client = await serve(read_cache_seconds=60)  # max_age cannot be what shows it
    api = api_of(client)
    number = await api.sub_port()
    await api.read(number)
    assert held(app, number)
    async with writer.begin() as conn:
        await conn.execute(text("UPDATE sub_ports SET purpose = 'psql' WHERE number = :n"),
                           {"n": number})
    await read_until(api, number, lambda body: body["purpose"] == "psql")


async def test_a_handler_changed_on_another_connection_reaches_its_cached_sub_ports(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    app, client = await serve()
    api = api_of(client)
    number = await api.sub_port(complete=True)
    body = await api.read(number)
    assert "handler_verified" not in body["missing"]
    assert held(app, number)
    async with writer.begin() as conn:
        await conn.execute(text("UPDATE handlers SET verification_status = 'unverified'"
                                " WHERE id = :id"), {"id": body["handler_id"]})
    await read_until(api, number, lambda body: "handler_verified" in body["missing"])


async def test_a_foreign_province_token_gets_404_on_a_cached_sub_port(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api],
        headers: Callable[..., dict[str, str]]) -> None:
    app, client = await serve()
    api = api_of(client)
    number = await api.sub_port()
    own = await api.get(number)
    assert held(app, number)
    foreign = await api.get(number, **headers("province_operator", province="11"))
    assert foreign.status_code == 404
    assert foreign.headers["content-type"] == "application/problem+json"
    missing = await api.get(f"{PORT}9999", **headers("province_operator", province="11"))
    assert without_instance(foreign.json()) == without_instance(missing.json())
    mine = await api.get(number, **headers("province_operator", province="44"))
    assert (mine.status_code, mine.content) == (200, own.content)


async def test_with_the_cache_switched_off_a_quiet_change_shows_on_the_very_next_get(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    app, client = await serve(read_cache_seconds=0)
    api = api_of(client)
    number = await api.sub_port()
    await api.read(number)
    await silently(writer, "UPDATE sub_ports SET purpose = 'uncached' WHERE number = :n",
                   n=number)
    assert (await api.read(number))["purpose"] == "uncached"
    assert not app.state.changes.live


async def test_a_sub_port_imported_after_a_404_is_found_at_once(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any) -> None:
    # The import writes sub_ports on the driver connection (COPY, INSERT ... SELECT), which
    # the ORM never sees: it must still drop this process's cache before it answers.
    api, number = await cached_absence(serve, api_of)
    csv = ("number,province,user_unit_uscc,business_type,purpose,machine_room,equipment\n"
           f"{number},44,,notification,订单发货通知,广州南方基地A3,SMSC-GZ-07\n").encode()
    async with notifications_off(writer):
        imported = await api.client.post("/v1/sub-ports/import", content=csv,
                                     headers={**api.hq, "Content-Type": "text/csv"})
        assert imported.status_code == 200, imported.text
        assert imported.json()["counts"]["created"] == 1
        found = await api.get(number)
    assert found.status_code == 200, found.text


async def test_a_cached_answer_follows_the_campaign_and_the_clock(
        serve: Serve, api_of: Callable[[httpx.AsyncClient], Api], writer: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app, client = await serve()
    api = api_of(client)
    number = await api.sub_port()
    assert (await api.read(number))["backfill"]["state"] == "pending"  # no campaign yet
    put = await client.put("/v1/backfill/campaigns/44", headers=api.hq,
                           json={"deadline": "2026-01-01T00:00:00Z"})
    assert put.status_code == 200, put.text
    assert (await api.read(number))["backfill"]["state"] == "overdue"
    async with writer.begin() as conn:  # another replica moves the deadline away
        await conn.execute(text("UPDATE backfill_campaigns SET deadline = '2100-01-01' "
                                "WHERE province = '44'"))
    await read_until(api, number, lambda body: body["backfill"]["state"] == "pending")
    assert held(app, number)
    monkeypatch.setattr("registry.api.sub_ports.utcnow",
                        lambda: dt.datetime(2100, 1, 1, 0, 0, 1, tzinfo=dt.UTC))
    assert (await api.read(number))["backfill"]["state"] == "overdue"  # nothing written
    assert held(app, number)
