"""The send check from memory, end to end on PostgreSQL, with two registry apps on one
database standing for two processes: what one changes, the other's next check sees once the
notification arrives; what a process changes itself, its very next check sees; while the
listener is down every check reads the database; an answer arrives only after its log row is
committed."""

import asyncio
import datetime as dt
import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from porttrust_dev import testdata
from porttrust_shared.db import utcnow
from registry.api.send_checks import SendCheckReads
from registry.deps import RegistryState
from registry.service.agreements import REQUIRED_CLAUSES
from registry.service.send_log_writer import CopyLogWriter, LogRow

pytestmark = pytest.mark.postgres  # the send check's memory only runs on PostgreSQL
Serve = Callable[..., Awaitable[tuple[Any, httpx.AsyncClient]]]  # conftest's `serve`
VERIFY = "【某某银行】您的验证码是{code:digits:6}，5分钟内有效，请勿泄露给他人。"
GOOD = "【某某银行】您的验证码是123456，5分钟内有效，请勿泄露给他人。"
OFF_TEMPLATE = "【某某银行】您的验证码已过期，请重新获取。"
PHONE = "13812345678"
_numbers = iter(range(1000, 9999))


@pytest.fixture
def credit() -> None:
    """The apps here get their own credit (conftest `serve`)."""


class Registry:
    def __init__(self, client: httpx.AsyncClient, headers: Callable[..., dict[str, str]]):
        self.client, self.headers = client, headers
        self.hq = headers("hq_admin")

    async def post(self, path: str, body: dict[str, Any] | None = None,
                   who: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.post(path, json=body or {}, headers=who or self.hq)
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    async def active_sub_port(self, province: str = "44") -> str:
        n = next(_numbers)
        port, number = f"1069{n:04d}", f"1069{n:04d}4567"
        holder = await self.post("/v1/organizations", {
            "uscc": testdata.uscc(n), "name": "持有", "province": province,
            "roles": ["holder"]})
        unit = await self.post("/v1/organizations", {
            "uscc": testdata.uscc(n + 5000), "name": "使用", "province": province,
            "roles": ["user_unit"]})
        await self.post("/v1/ports", {"number": port, "holder_uscc": holder["uscc"],
                                      "province": province, "scope": "provincial"})
        await self.post(f"/v1/organizations/{unit['uscc']}/agreements", {
            "kind": "service", "counterparty_uscc": holder["uscc"],
            "signed_at": "2026-03-01T00:00:00Z", "document_ref": "服务合同",
            "clauses": list(REQUIRED_CLAUSES["service"])})
        handler = await self.post("/v1/handlers", {
            "name": "张三", "id_number": testdata.id_number(n % 1000), "phone": "13800000001",
            "organization_uscc": unit["uscc"]})
        await self.post(f"/v1/handlers/{handler['id']}/verify")
        signature = await self.post(f"/v1/organizations/{unit['uscc']}/signatures",
                                    {"text": "某某银行", "evidence_ref": "商标注册证 第1号"},
                                    who=self.headers("hq_admin", sub="signature-author"))
        await self.post(f"/v1/signatures/{signature['id']}/approve",
                        who=self.headers("hq_admin", sub="signature-checker"))
        await self.post("/v1/sub-ports", {
            "number": number, "province": province, "user_unit_uscc": unit["uscc"],
            "handler_id": handler["id"], "business_type": "notification",
            "purpose": "验证码", "machine_room": "广州", "equipment": "SMSC"})
        await self.post(f"/v1/sub-ports/{number}/activate")
        return number

    async def template(self, number: str) -> str:
        created = await self.post(f"/v1/sub-ports/{number}/templates",
                                  {"text": VERIFY, "kind": "notification"},
                                  who=self.headers("hq_admin", sub="author"))
        return str(created["id"])

    async def approve(self, template_id: str) -> None:
        await self.post(f"/v1/templates/{template_id}/approve",
                        who=self.headers("hq_admin", sub="checker"))

    async def check(self, number: str, content: str = GOOD) -> dict[str, Any]:
        return await self.post("/v1/send-checks", {"sub_port": number, "recipient": PHONE,
                                                   "content": content},
                               who=self.headers("gateway"))


@pytest.fixture
async def two(serve: Serve, headers: Callable[..., dict[str, str]]
              ) -> tuple[tuple[Any, Registry], tuple[Any, Registry]]:
    (app_a, client_a), (app_b, client_b) = await serve(), await serve()
    return (app_a, Registry(client_a, headers)), (app_b, Registry(client_b, headers))


async def check_until(registry: Registry, number: str,
                      done: Callable[[dict[str, Any]], bool], content: str = GOOD
                      ) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        answer = await registry.check(number, content)
        if done(answer):
            return answer
        assert time.monotonic() < deadline, f"still {answer}"
        await asyncio.sleep(0.005)  # a check from memory does no I/O: let the listener read


SUB_PORT_CACHES = ("send_check.sub_ports", "send_check.message_templates",
                   "send_check.opt_outs")


def held(app: Any, number: str) -> bool:
    caches = app.state.changes.__dict__["_keyed"]
    return all(caches[name].get(number)[0] for name in SUB_PORT_CACHES)


async def test_a_template_approved_in_another_process_is_seen_once_heard(two):
    (_, a), (app_b, b) = two
    number = await a.active_sub_port()
    template = await a.template(number)
    assert (await b.check(number))["reasons"] == ["template_not_approved"]
    # Held in memory once the set-up's own notifications (which may arrive late) are heard.
    await check_until(b, number, lambda _: held(app_b, number))
    await a.approve(template)
    assert (await check_until(b, number, lambda r: r["allowed"]))["template_id"] == template


async def test_a_sub_port_suspended_in_another_process_is_seen_once_heard(two):
    (_, a), (_, b) = two
    number = await a.active_sub_port()
    await a.approve(await a.template(number))
    assert (await b.check(number))["allowed"]
    await a.post(f"/v1/sub-ports/{number}/suspend", {"reason": "投诉核查"})
    await check_until(b, number, lambda r: r["reasons"] == ["sub_port_not_active"])


async def test_an_opt_out_received_in_another_process_is_seen_once_heard(two):
    (_, a), (_, b) = two
    number = await a.active_sub_port()
    await a.approve(await a.template(number))
    assert (await b.check(number))["allowed"]
    await a.post("/v1/mo-messages", {"sub_port": number, "sender": PHONE, "text": "TD",
                                     "received_at": "2026-12-06T06:00:00+00:00"},
                 who=a.headers("gateway"))
    await check_until(b, number, lambda r: r["reasons"] == ["recipient_opted_out"])


async def test_a_process_sees_its_own_approval_on_its_very_next_check(two, writer):
    (_, a), (_, b) = two
    number = await a.active_sub_port()
    template = await b.template(number)
    assert (await b.check(number))["reasons"] == ["template_not_approved"]
    async with writer.begin() as conn:  # no notification may be what shows it
        await conn.execute(text("ALTER TABLE message_templates DISABLE TRIGGER USER"))
    try:
        await b.approve(template)
        assert (await b.check(number))["allowed"]
    finally:
        async with writer.begin() as conn:
            await conn.execute(text("ALTER TABLE message_templates ENABLE TRIGGER USER"))


async def test_a_check_s_log_row_is_committed_when_its_answer_arrives(two, writer):
    (_, a), _ = two
    number = await a.active_sub_port()
    await a.approve(await a.template(number))
    await a.check(number)
    async with writer.connect() as conn:  # another connection sees only committed rows
        rows = (await conn.execute(text("SELECT allowed, reasons FROM send_log WHERE "
                                        "sub_port_number = :n"), {"n": number})).all()
    assert [(allowed, reasons) for allowed, reasons in rows] == [(True, [])]


async def test_with_the_listener_down_a_quiet_change_shows_on_the_very_next_check(
        two, writer):
    (_, a), (app_b, b) = two
    number = await a.active_sub_port()
    await a.approve(await a.template(number))
    assert (await b.check(number))["allowed"]
    await app_b.state.changes.stop()  # as when the listening connection is lost
    async with writer.begin() as conn:  # no trigger fires: nothing could tell a listener
        await conn.execute(text("ALTER TABLE sub_ports DISABLE TRIGGER USER"))
        await conn.execute(text("UPDATE sub_ports SET status = 'suspended' WHERE number = :n"),
                           {"n": number})
        await conn.execute(text("ALTER TABLE sub_ports ENABLE TRIGGER USER"))
    assert (await b.check(number))["reasons"] == ["sub_port_not_active"]


def _logged(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row)[1:] for row in rows]  # without checked_at


async def test_a_few_rows_and_a_batch_s_rows_are_logged_alike(two, writer):
    """A few rows go in one INSERT, many by COPY: the rows are the same."""
    (_, a), _ = two
    number = await a.active_sub_port()
    await a.approve(await a.template(number))
    one = {"sub_port": number, "recipient": PHONE, "content": GOOD}
    refused = {**one, "content": GOOD + "优惠券"}
    gateway = a.headers("gateway")
    await a.post("/v1/send-checks", one, who=gateway)
    await a.post("/v1/send-checks", refused, who=gateway)
    await a.post("/v1/send-checks/batch", {"checks": [one, refused] * 40}, who=gateway)
    async with writer.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT checked_at, sub_port_number, province, recipient_index, recipient_masked, "
            "allowed, enforced, reasons, template_id, actor, content_digest, content_length "
            "FROM send_log WHERE sub_port_number = :n ORDER BY id"), {"n": number})).all()
    singles, batch = _logged(rows[:2]), _logged(rows[2:])
    assert len(batch) == 80 and batch == singles * 40
    assert singles[1][6] == ["fixed_text_mismatch", "marketing_on_service_port"]


@pytest.mark.parametrize("synchronous", [True, False])
async def test_the_log_waits_for_the_disk_unless_told_not_to(two, synchronous):
    (app, _), _ = two
    log = CopyLogWriter(app.state.engine, synchronous=synchronous)
    try:
        await log.write([LogRow(utcnow(), "106900000001", "44", None, "1**", False, True,
                                ["sub_port_unknown"], None, "gw", "0" * 64, 1)])
        setting = await log._conn.fetchval("SHOW synchronous_commit")
    finally:
        await log.close()
    assert setting == ("on" if synchronous else "off")


@pytest.mark.parametrize("freeze_after, frozen", [(1, True), (2, False)])
async def test_a_large_load_is_frozen_out_of_the_collector_s_way(two, monkeypatch, freeze_after,
                                                                  frozen):
    """A load of FREEZE_AFTER sub-ports or more is frozen (porttrust_shared.heap); a smaller
    one is left to the collector."""
    from registry.service.send_check import snapshot

    (_, a), (app_b, b) = two
    number = await a.active_sub_port()
    await a.approve(await a.template(number))
    monkeypatch.setattr(snapshot, "FREEZE_AFTER", freeze_after)
    gc.unfreeze()
    try:
        await check_until(b, number, lambda _: held(app_b, number))  # loaded: one sub-port
        assert (gc.get_freeze_count() > 0) is frozen
    finally:
        gc.unfreeze()


async def test_rows_written_together_are_committed_together(two, writer):
    """Concurrent checks' rows go in one statement of as many rows (one transaction, one
    commit), each read back as written."""
    (app, _), _ = two
    log = CopyLogWriter(app.state.engine)
    rows = [LogRow(utcnow(), "106900000002", province, index, "138****5678", allowed, True,
                   reasons, template, "gw", str(n) * 64, n)
            for n, (province, index, allowed, reasons, template) in enumerate([
                ("44", "a" * 64, True, [], "t1"),
                (None, None, False, ["sub_port_unknown"], None),
                ("11", "b" * 64, False, ["fixed_text_mismatch", "opted_out"], None)], 1)]
    try:
        await asyncio.gather(*(log.write([row]) for row in rows))
    finally:
        await log.close()
    async with writer.connect() as conn:
        logged = (await conn.execute(text(
            "SELECT xmin::text, checked_at, sub_port_number, province, recipient_index, "
            "recipient_masked, allowed, enforced, reasons, template_id, actor, content_digest, "
            "content_length FROM send_log WHERE sub_port_number = '106900000002' "
            "ORDER BY content_length"))).all()
    assert len({row[0] for row in logged}) == 1
    assert [tuple(row)[1:] for row in logged] == [tuple(row) for row in rows]


async def test_the_check_s_caches_follow_the_app_s_session_factory(two):
    """Looked up once per factory: a test's factory on its own transaction gets none (the
    check reads the database), and the app's own gets its caches back."""
    (app, _), _ = two
    state = RegistryState.of(app)
    held = SendCheckReads(state).caches
    assert held is not None and SendCheckReads(state).caches is held
    own, state.sessions = state.sessions, async_sessionmaker()
    try:
        assert SendCheckReads(state).caches is None
    finally:
        state.sessions = own
    assert SendCheckReads(state).caches == held  # the same caches


async def test_a_campaign_set_in_another_process_waives_once_heard(two, monkeypatch):
    """Which provinces may waive a template refusal is held in memory too: in a province
    without a campaign, a refusal is answered without asking the database which sub-ports
    are monitored; a campaign set in another process, and the start of its template
    enforcement, are seen once their notification arrives."""
    from registry.service import send_check

    (_, a), (app_b, b) = two
    number = await a.active_sub_port(province="65")  # no other test opens a campaign there
    await a.approve(await a.template(number))
    await a.post(f"/v1/sub-ports/{number}/inaccuracies",  # incomplete: may be monitored
                 {"field": "purpose", "reason": "现场核查：用途不符"},
                 who=a.headers("auditor", sub="auditor"))
    asked: list[set[str]] = []
    real = send_check.monitored

    async def counted(session: Any, numbers: set[str], now: Any) -> set[str]:
        asked.append(set(numbers))
        return await real(session, numbers, now)

    monkeypatch.setattr(send_check, "monitored", counted)
    enforced = {"allowed": False, "enforced": True, "reasons": ["fixed_text_mismatch"]}
    refused = await check_until(b, number, lambda _: held(app_b, number), OFF_TEMPLATE)
    assert {key: refused[key] for key in enforced} == enforced
    asked.clear()
    again = await b.check(number, OFF_TEMPLATE)
    assert {key: again[key] for key in enforced} == enforced
    assert asked == []  # no campaign in 65, and memory knows it

    future = (utcnow() + dt.timedelta(days=30)).isoformat()
    await a.client.put("/v1/backfill/campaigns/65", json={"deadline": future},
                       headers=a.hq)
    waived = await check_until(b, number, lambda answer: answer["allowed"], OFF_TEMPLATE)
    assert (waived["enforced"], waived["reasons"]) == (False, ["fixed_text_mismatch"])
    assert asked and all(found == {number} for found in asked)

    past = (utcnow() - dt.timedelta(minutes=1)).isoformat()
    put = await a.client.put("/v1/backfill/campaigns/65", json={
        "deadline": future, "template_enforcement_from": past}, headers=a.hq)
    assert put.status_code == 200, put.text
    again = await check_until(b, number, lambda answer: answer["enforced"], OFF_TEMPLATE)
    assert {key: again[key] for key in enforced} == enforced


async def test_the_check_s_dependency_is_made_again_only_when_its_parts_change(two):
    """One SendCheckReads per state; a test's session factory or a deployment's writer makes
    a new one, with that factory's caches (none) or that writer."""
    (app, _), _ = two
    state = RegistryState.of(app)
    held = SendCheckReads.of(state)
    assert SendCheckReads.of(state) is held
    own, state.sessions = state.sessions, async_sessionmaker()
    try:
        other = SendCheckReads.of(state)
        assert other is not held and other.caches is None
    finally:
        state.sessions = own

    class Writer:
        async def write(self, rows):
            pass

    state.send_log_writer = Writer()
    try:
        assert SendCheckReads.of(state).log is state.send_log_writer
    finally:
        state.send_log_writer = None
    again = SendCheckReads.of(state)
    assert type(again.log) is type(held.log) and again.caches == held.caches
    assert SendCheckReads.of(state) is again
