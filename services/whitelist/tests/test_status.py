import pytest


async def test_a_granted_number_is_whitelisted(wl, client, headers):
    granted = await wl.grant("106901234567", category="emergency_rescue")
    response = await client.get("/v1/status/106901234567", headers=headers("service"))
    assert response.json() == {"number": "106901234567", "whitelisted": True,
                               "category": "emergency_rescue",
                               "entry_id": granted["entry_id"], "expires_at": None, "uscc": None,
                               "province": "44"}


async def test_port_entry_covers_its_sub_ports(wl, client, headers):
    granted = await wl.grant("10690123")
    response = await client.get("/v1/status/1069012345678", headers=headers("gateway"))
    assert response.json()["whitelisted"] is True
    assert response.json()["entry_id"] == granted["entry_id"]


async def test_sub_port_entry_does_not_cover_its_port(wl, client, headers):
    await wl.grant("106901234567")
    response = await client.get("/v1/status/10690123", headers=headers("gateway"))
    assert response.json()["whitelisted"] is False


async def test_sub_port_entry_does_not_cover_a_sibling(wl, client, headers):
    await wl.grant("106901234567")
    response = await client.get("/v1/status/106901234568", headers=headers("gateway"))
    assert response.json()["whitelisted"] is False


async def test_unlisted_number_answers_not_whitelisted(client, headers):
    response = await client.get("/v1/status/106901234567", headers=headers("gateway"))
    assert response.json() == {"number": "106901234567", "whitelisted": False,
                               "category": None, "entry_id": None, "expires_at": None,
                               "uscc": None, "province": None}


async def test_pending_application_does_not_whitelist(wl, client, headers):
    await wl.apply("106901234567")
    response = await client.get("/v1/status/106901234567", headers=headers("gateway"))
    assert response.json()["whitelisted"] is False


async def test_malformed_number_is_422_problem(client, headers):
    response = await client.get("/v1/status/12345abc", headers=headers("gateway"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "12345abc" not in response.json()["detail"]


async def test_status_needs_a_token(client):
    response = await client.get("/v1/status/106901234567")
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["gateway", "enforcement", "auditor", "service",
                                  "province_operator"])
async def test_any_authenticated_role_may_ask(client, headers, role):
    response = await client.get("/v1/status/106901234567", headers=headers(role, province="44"))
    assert response.status_code == 200


async def test_batch_answers_in_the_order_asked(wl, client, headers):
    await wl.grant("10690123")
    numbers = ["106909999999", "1069012345", "10690123"]
    response = await client.post("/v1/status/batch", json={"numbers": numbers},
                                 headers=headers("service"))
    results = response.json()["results"]
    assert [r["number"] for r in results] == numbers
    assert [r["whitelisted"] for r in results] == [False, True, True]


async def test_batch_of_1000_is_answered(client, headers):
    numbers = [f"10690{n:07d}" for n in range(1000)]
    response = await client.post("/v1/status/batch", json={"numbers": numbers},
                                 headers=headers("service"))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1000


async def test_batch_over_1000_is_422_problem(client, headers):
    numbers = [f"10690{n:07d}" for n in range(1001)]
    response = await client.post("/v1/status/batch", json={"numbers": numbers},
                                 headers=headers("service"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_batch_with_a_malformed_number_is_422(client, headers):
    response = await client.post("/v1/status/batch", json={"numbers": ["10690123", "x"]},
                                 headers=headers("service"))
    assert response.status_code == 422


async def test_batch_rejects_unknown_fields(client, headers):
    response = await client.post("/v1/status/batch", json={"numbers": [], "at": "now"},
                                 headers=headers("service"))
    assert response.status_code == 422


async def test_operation_ids_are_the_handler_names(client):
    spec = (await client.get("/openapi.json")).json()
    assert spec["paths"]["/v1/status/batch"]["post"]["operationId"] == "get_status_batch"
