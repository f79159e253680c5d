"""Bad input is a 4xx problem, never a 500."""

import pytest

LATE, EARLY = "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"
BAD = [
    ("GET", "/v1/sub-ports?limit=0", None),
    ("GET", "/v1/sub-ports?cursor=%%%", None),
    ("GET", "/v1/sub-ports?status=bogus", None),
    ("GET", "/v1/organizations?province=99", None),
    ("GET", "/v1/trace/106901234567?at=2026-13-45", None),
    ("GET", "/v1/sanction-reviews?cursor=WyJ4Il0", None),
    ("POST", "/v1/sub-ports", {"number": "abc", "province": "44"}),
    ("POST", "/v1/sub-ports", {"number": "106901234567", "province": "44",
                               "handler_id": "x" * 200}),
    ("POST", "/v1/sub-ports", {"number": "106901234567", "province": "44",
                               "customer_importance": 99}),
    ("POST", "/v1/ports", {"number": "10690123", "holder_uscc": "91440300708461136T",
                           "province": "44", "scope": "galactic"}),
    ("POST", "/v1/handlers", {"name": "", "id_number": "1", "phone": "2",
                              "organization_uscc": "3"}),
    ("POST", "/v1/sub-ports/106901234567/suspend", {"reason": "x" * 600}),
    ("PATCH", "/v1/organizations/91440300708461136T", {"province": "XX"}),
    ("POST", "/v1/events", {"id": "1", "source": "credit", "topic": "nope", "payload": {}}),
    # ISO 8601 whose offset puts the moment outside the years 1-9999 in UTC
    ("GET", f"/v1/trace/106901234567?at={LATE}", None),
    ("GET", "/v1/trace/106901234567?at=" + EARLY.replace("+", "%2B"), None),
    ("POST", "/v1/mo-messages", {"sub_port": "106901234567", "sender": "13812345678",
                                 "text": "T", "received_at": LATE}),
    ("POST", "/v1/complaints", {"number": "106901234567", "reporter": "13812345678",
                                "content": "spam", "received_at": EARLY}),
    ("PUT", "/v1/backfill/campaigns/44", {"deadline": LATE}),
    ("POST", "/v1/backfill/enforcement", {"province": "44", "deadline": EARLY}),
    ("POST", "/v1/ports", {"number": "10690123", "holder_uscc": "91440300708461136T",
                           "province": "44", "scope": "provincial", "agreement_signed_at": LATE}),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD)
async def test_bad_input_is_a_problem_not_a_crash(client, headers, method, path, body):
    response = await client.request(method, path, json=body,
                                    headers=headers("hq_admin", "service"))
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("count", [{"monthly_volume": 2**63}, {"value_contribution": 10**30}])
async def test_a_count_past_a_64_bit_integer_is_422(reg, client, headers, count):
    await reg.port()
    response = await client.post("/v1/sub-ports", json={"number": "106901234567",
                                                        "province": "44", **count},
                                 headers=headers("hq_admin"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
