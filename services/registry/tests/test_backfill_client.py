import json

import httpx
import pytest

from porttrust_shared.errors import DependencyUnavailable
from registry.clients import WhitelistClient


def _client(handler):
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return WhitelistClient(base_url="http://whitelist.test", tokens=None, http=http), http


def _answer_all(calls):
    def answer(request):
        numbers = json.loads(request.content)["numbers"]
        calls.append(numbers)
        return httpx.Response(200, json={"results": [
            {"number": n, "whitelisted": n.endswith("7")} for n in numbers]})

    return answer


async def test_whitelist_client_asks_at_most_1000_numbers_per_call():
    calls = []
    whitelist, http = _client(_answer_all(calls))
    numbers = [f"1069012{n:05d}" for n in range(2500)]
    found = await whitelist.statuses(numbers)
    await http.aclose()
    assert [len(c) for c in calls] == [1000, 1000, 500]
    assert len(found) == 2500


async def test_whitelist_client_maps_each_number_to_its_status():
    whitelist, http = _client(_answer_all([]))
    found = await whitelist.statuses(["106901237", "106901238"])
    await http.aclose()
    assert (found["106901237"].whitelisted, found["106901238"].whitelisted) == (True, False)


@pytest.mark.parametrize("response", [
    httpx.Response(500), httpx.Response(422, json={}), httpx.Response(200, json={"x": 1}),
    httpx.Response(200, json={"results": []}), httpx.Response(200, text="not json")])
async def test_whitelist_client_fails_closed_on_any_bad_answer(response):
    whitelist, http = _client(lambda request: response)
    with pytest.raises(DependencyUnavailable):
        await whitelist.statuses(["106901234567"])
    await http.aclose()


async def test_whitelist_client_fails_closed_when_unreachable():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    whitelist, http = _client(refuse)
    with pytest.raises(DependencyUnavailable):
        await whitelist.statuses(["106901234567"])
    await http.aclose()
