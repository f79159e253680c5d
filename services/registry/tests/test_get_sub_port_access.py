"""GET /v1/sub-ports/{number} checks its caller in one dependency: same answers as the others."""

NUMBER = "106901234567"


async def test_reading_a_sub_port_without_a_token_is_401_problem(reg, client):
    await reg.port()
    await reg.sub_port(NUMBER)
    response = await client.get(f"/v1/sub-ports/{NUMBER}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_reading_a_sub_port_with_a_role_outside_the_readers_is_403(reg, client, headers):
    await reg.port()
    await reg.sub_port(NUMBER)
    response = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("enforcement"))
    assert response.status_code == 403


async def test_openapi_still_shows_the_security_scheme_on_the_sub_port_read(client):
    spec = (await client.get("/openapi.json")).json()
    assert spec["paths"]["/v1/sub-ports/{number}"]["get"]["security"] == [{"PortTrust": []}]
