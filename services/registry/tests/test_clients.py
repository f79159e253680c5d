"""registry's clients (clients.py): credit's blacklist check, whitelist's statuses, and the
local identity verifier."""

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from porttrust_dev import testdata
from porttrust_shared.errors import DependencyUnavailable
from registry.clients import CreditClient, LocalVerifier, Subject, WhitelistClient

# Each client, and one call of it that must fail closed on anything but a good answer.
CALLS: dict[str, tuple[Any, Callable[[Any], Awaitable[Any]]]] = {
    "credit": (CreditClient, lambda c: c.check([Subject(kind="holder", key="A")])),
    "whitelist": (WhitelistClient, lambda c: c.statuses(["106901234567"])),
}
BAD_ANSWERS = [
    httpx.Response(500), httpx.Response(422, json={}), httpx.Response(200, json={"x": 1}),
    httpx.Response(200, json={"results": []}), httpx.Response(200, text="not json")]


def _client(cls, handler):
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return cls(base_url=f"http://{cls.service}.test", tokens=None, http=http), http


def _answer_all(calls):
    def answer(request):
        numbers = json.loads(request.content)["numbers"]
        calls.append(numbers)
        return httpx.Response(200, json={"results": [
            {"number": n, "whitelisted": n.endswith("7")} for n in numbers]})

    return answer


async def test_credit_client_returns_results_in_order():
    def answer(request):
        return httpx.Response(200, json={"results": [
            {"kind": "holder", "blacklisted": False},
            {"kind": "user_unit", "blacklisted": True, "reason": "fraud"}]})

    credit, http = _client(CreditClient, answer)
    results = await credit.check([Subject(kind="holder", key="A"),
                                  Subject(kind="user_unit", key="B")])
    await http.aclose()
    assert [r.blacklisted for r in results] == [False, True]


async def test_whitelist_client_asks_at_most_1000_numbers_per_call():
    calls = []
    whitelist, http = _client(WhitelistClient, _answer_all(calls))
    numbers = [f"1069012{n:05d}" for n in range(2500)]
    found = await whitelist.statuses(numbers)
    await http.aclose()
    assert [len(c) for c in calls] == [1000, 1000, 500]
    assert len(found) == 2500


async def test_whitelist_client_maps_each_number_to_its_status():
    whitelist, http = _client(WhitelistClient, _answer_all([]))
    found = await whitelist.statuses(["106901237", "106901238"])
    await http.aclose()
    assert (found["106901237"].whitelisted, found["106901238"].whitelisted) == (True, False)


@pytest.mark.parametrize("response", BAD_ANSWERS)
@pytest.mark.parametrize("service", CALLS)
async def test_a_client_fails_closed_on_any_bad_answer(service, response):
    cls, call = CALLS[service]
    client, http = _client(cls, lambda request: response)
    with pytest.raises(DependencyUnavailable):
        await call(client)
    await http.aclose()


@pytest.mark.parametrize("service", CALLS)
async def test_a_client_fails_closed_when_unreachable(service):
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    cls, call = CALLS[service]
    client, http = _client(cls, refuse)
    with pytest.raises(DependencyUnavailable):
        await call(client)
    await http.aclose()


async def test_local_verifier_accepts_a_valid_id_number():
    result = await LocalVerifier().verify(name="张三", id_number="34052419800101001X")
    assert result.verified


async def test_local_verifier_refuses_a_future_birth_date():
    year = dt.date.today().year + 1
    id_number = testdata.id_number(1, born=f"{year}0101")
    result = await LocalVerifier().verify(name="张三", id_number=id_number)
    assert not result.verified


async def test_local_verifier_refuses_a_wrong_check_character():
    result = await LocalVerifier().verify(name="张三", id_number="340524198001010011")
    assert not result.verified


async def test_local_verifier_with_match_list_accepts_the_listed_name(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,id_number\n张三,34052419800101001x\n", encoding="utf-8")
    result = await LocalVerifier.from_file(path).verify(name="张三",
                                                        id_number="34052419800101001X")
    assert result.verified
