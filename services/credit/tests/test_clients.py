import datetime as dt

import httpx
import pytest

from credit.clients import RegistryClient
from porttrust_shared.errors import DependencyUnavailable

AT = dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC)


async def trace_with(answer) -> object:
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = RegistryClient(base_url="http://registry.test", tokens=None, http=http)
        return await client.trace("106901234567", at=AT)


async def test_trace_asks_registry_for_the_number_at_the_moment():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.url.params["at"]))
        return httpx.Response(200, json={"number": "106901234567", "matched": "sub_port"})

    trace = await trace_with(answer)
    assert seen == [("/v1/trace/106901234567", AT.isoformat())]
    assert trace.matched == "sub_port"


async def test_trace_of_an_unregistered_number_is_none():
    assert await trace_with(lambda r: httpx.Response(404, json={"status": 404})) is None


@pytest.mark.parametrize("answer", [
    lambda r: httpx.Response(500),
    lambda r: httpx.Response(422, json={"status": 422}),
    lambda r: httpx.Response(200, content=b"not json"),
    lambda r: httpx.Response(200, json={"matched": "sub_port"}),
])
async def test_trace_failures_are_503(answer):
    with pytest.raises(DependencyUnavailable):
        await trace_with(answer)
