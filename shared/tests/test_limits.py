"""No NUL character gets in (PostgreSQL refuses it in text: it would be a 500)."""

PROBLEM = "application/problem+json"
JSON = {"content-type": "application/json"}


def nul_refusal(response) -> bool:
    body = response.json()
    return (response.status_code == 422 and response.headers["content-type"] == PROBLEM
            and body["errors"][0]["type"] == "nul_character")


async def test_an_escaped_nul_in_a_json_string_is_422(client):
    response = await client.post("/v1/uploads", content=b'{"a": "x\\u0000y"}', headers=JSON)
    assert nul_refusal(response)


async def test_a_nul_in_a_json_key_is_422(client):
    response = await client.post("/v1/uploads", content=b'{"\\u0000": 1}', headers=JSON)
    assert nul_refusal(response)


async def test_the_text_backslash_u0000_is_not_a_nul(client):
    response = await client.post("/v1/uploads", content=b'{"a": "\\\\u0000"}', headers=JSON)
    assert response.status_code == 200


async def test_a_nul_escape_split_between_chunks_is_422(client):
    async def chunks():
        yield b'{"a": "x\\u00'
        yield b'00"}'

    response = await client.post("/v1/uploads", content=chunks(), headers=JSON)
    assert nul_refusal(response)


async def test_a_nul_in_the_query_string_is_422(client):
    response = await client.get("/v1/items", params={"cursor": "a\x00b"})
    assert nul_refusal(response)


async def test_a_nul_in_the_path_is_422(client):
    response = await client.get("/v1/items%00")
    assert nul_refusal(response)


async def test_a_nul_refusal_does_not_echo_the_text(client):
    response = await client.post("/v1/uploads", content=b'{"a": "secret\\u0000"}', headers=JSON)
    assert "secret" not in response.text
