"""Requests that race on one record, on PostgreSQL (each request its own transaction, as in
production): one wins and the others are answered as if they had come just after it (412 for
a stale If-Match, the decided/transition conflict, or the first opt-out kept), never a bare
409 from a unique key."""

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from porttrust_dev import testdata

pytestmark = pytest.mark.postgres

Serve = Callable[..., Awaitable[tuple[Any, httpx.AsyncClient]]]  # conftest's `serve`
RACERS = 8


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    """The app's start-up freezes the heap (porttrust_shared.heap.freeze); tests after this
    module expect the collector as they found it (test_import_gc)."""
    frozen = gc.get_freeze_count() > 0
    yield
    if not frozen:
        gc.unfreeze()


@pytest.fixture
def credit() -> None:
    """Overrides the package's autouse fake, which is wired to the shared test app: the app
    here gets its own (see `serve`)."""


async def created(client: httpx.AsyncClient, hq: dict[str, str], path: str,
                  body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=hq)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def records(client: httpx.AsyncClient, hq: dict[str, str], n: int) -> dict[str, Any]:
    """An organization, its port `1069910n`, a handler and the sub-port `1069910n01`."""
    unit, port = testdata.uscc(9100 + n), f"1069910{n}"
    await created(client, hq, "/v1/organizations",
                  {"uscc": unit, "name": f"并发单位{n}", "province": "44"})
    await created(client, hq, "/v1/ports", {"number": port, "holder_uscc": unit,
                                            "province": "44", "scope": "provincial"})
    handler = await created(client, hq, "/v1/handlers", {
        "name": "张三", "id_number": testdata.id_number(90 + n), "phone": f"138000091{n:02d}",
        "organization_uscc": unit})
    await created(client, hq, "/v1/sub-ports", {"number": f"{port}01", "province": "44",
                                                "purpose": "通知"})
    return {"unit": unit, "port": port, "sub_port": f"{port}01", "handler": handler["id"]}


async def race(client: httpx.AsyncClient, hq: dict[str, str], path: str,
               body: Callable[[int], dict[str, Any]]) -> list[int]:
    etag = (await client.get(path, headers=hq)).headers["etag"]
    answers = await asyncio.gather(*(
        client.patch(path, json=body(i), headers={**hq, "If-Match": etag})
        for i in range(RACERS)))
    return sorted(answer.status_code for answer in answers)


async def test_patches_racing_with_one_etag_answer_one_200_and_the_rest_412(serve, headers):
    _, client = await serve(read_cache_seconds=0)
    hq = headers("hq_admin")
    made = await records(client, hq, 1)
    cases = [(f"/v1/organizations/{made['unit']}", lambda i: {"contact": f"联系人{i}"}),
             (f"/v1/ports/{made['port']}", lambda i: {"resource_certificate_ref": f"证书{i}"}),
             (f"/v1/handlers/{made['handler']}", lambda i: {"phone": f"1380000{i:04d}"}),
             (f"/v1/sub-ports/{made['sub_port']}", lambda i: {"equipment": f"SMSC-{i}"})]
    for path, body in cases:
        assert await race(client, hq, path, body) == [200] + [412] * (RACERS - 1), path


async def test_transitions_racing_answer_one_200_and_the_rest_invalid_transition(serve, headers):
    _, client = await serve(read_cache_seconds=0)
    hq = headers("hq_admin")
    made = await records(client, hq, 2)
    answers = await asyncio.gather(*(
        client.post(f"/v1/sub-ports/{made['sub_port']}/cancel", json={"reason": "停用"},
                    headers=hq)
        for _ in range(RACERS)))
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * (RACERS - 1)
    assert {answer.json().get("code") for answer in answers if answer.status_code == 409} == {
        "invalid_transition"}


async def test_clears_racing_answer_one_200_and_the_rest_already_cleared(serve, headers):
    _, client = await serve(read_cache_seconds=0)
    made = await records(client, headers("hq_admin"), 3)
    flag = await created(client, headers("auditor", sub="checker-a"),
                         f"/v1/sub-ports/{made['sub_port']}/inaccuracies",
                         {"field": "purpose", "reason": "现场核查"})
    answers = await asyncio.gather(*(
        client.post(f"/v1/inaccuracies/{flag['id']}/clear", json={"reason": "复核"},
                    headers=headers("hq_admin", sub=f"checker-{i}"))
        for i in range(RACERS)))
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * (RACERS - 1)


async def test_campaign_puts_racing_on_one_province_all_apply_in_turn(serve, headers):
    _, client = await serve(read_cache_seconds=0)
    hq = headers("hq_admin")
    first = await client.put("/v1/backfill/campaigns/45", json={"deadline": "2027-01-01T00:00:00Z"},
                             headers=hq)
    assert first.status_code == 200, first.text
    answers = await asyncio.gather(*(
        client.put("/v1/backfill/campaigns/45", json={"deadline": f"2027-02-{i + 1:02d}T00:00:00Z"},
                   headers=hq)
        for i in range(RACERS)))
    assert [answer.status_code for answer in answers] == [200] * RACERS
    assert sorted(answer.json()["version"] for answer in answers) == list(range(2, RACERS + 2))


async def test_opt_outs_racing_from_one_phone_are_all_kept_as_replies(serve, headers):
    _, client = await serve(read_cache_seconds=0)
    made = await records(client, headers("hq_admin"), 4)
    answers = await asyncio.gather(*(
        client.post("/v1/mo-messages", headers=headers("gateway"), json={
            "sub_port": made["sub_port"], "sender": "13900009104", "text": "T",
            "received_at": "2026-12-01T08:00:00+08:00"})
        for _ in range(RACERS)))
    assert [answer.status_code for answer in answers] == [201] * RACERS
    assert {answer.json()["opt_out"] for answer in answers} == {True}
