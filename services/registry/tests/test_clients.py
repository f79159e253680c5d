import httpx
import pytest

from porttrust_shared.errors import DependencyUnavailable
from registry.clients import CreditClient, Subject


def _client(handler):
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return CreditClient(base_url="http://credit.test", tokens=None, http=http), http


async def test_credit_client_returns_results_in_order():
    def answer(request):
        return httpx.Response(200, json={"results": [
            {"kind": "holder", "blacklisted": False},
            {"kind": "user_unit", "blacklisted": True, "reason": "fraud"}]})

    credit, http = _client(answer)
    results = await credit.check([Subject(kind="holder", key="A"),
                                  Subject(kind="user_unit", key="B")])
    await http.aclose()
    assert [r.blacklisted for r in results] == [False, True]


@pytest.mark.parametrize("response", [
    httpx.Response(500), httpx.Response(422, json={}), httpx.Response(200, json={"x": 1}),
    httpx.Response(200, json={"results": []}), httpx.Response(200, text="not json")])
async def test_credit_client_fails_closed_on_any_bad_answer(response):
    credit, http = _client(lambda request: response)
    with pytest.raises(DependencyUnavailable):
        await credit.check([Subject(kind="holder", key="A")])
    await http.aclose()


async def test_credit_client_fails_closed_when_unreachable():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    credit, http = _client(refuse)
    with pytest.raises(DependencyUnavailable):
        await credit.check([Subject(kind="holder", key="A")])
    await http.aclose()
