"""Idempotency-Key on creating POSTs: a retry gets the first answer, not a twin."""

from sqlalchemy import func, select


async def _count(db_session, item_model) -> int:
    return int(await db_session.scalar(select(func.count()).select_from(item_model)))


async def test_a_retry_with_the_same_key_replays_the_first_answer(client, headers, db_session,
                                                                  item_model):
    auth = headers("hq_admin", sub="alice") | {"Idempotency-Key": "k-1"}
    first = await client.post("/v1/items", json={"name": "once"}, headers=auth)
    second = await client.post("/v1/items", json={"name": "once"}, headers=auth)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await _count(db_session, item_model) == 1


async def test_the_same_key_with_another_body_is_409(client, headers):
    auth = headers("hq_admin", sub="alice") | {"Idempotency-Key": "k-2"}
    await client.post("/v1/items", json={"name": "first"}, headers=auth)
    response = await client.post("/v1/items", json={"name": "second"}, headers=auth)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_keys_belong_to_their_caller(client, headers, db_session, item_model):
    await client.post("/v1/items", json={"name": "alice-item"},
                      headers=headers("hq_admin", sub="alice") | {"Idempotency-Key": "same"})
    bob = headers("hq_admin", sub="bob") | {"Idempotency-Key": "same"}
    response = await client.post("/v1/items", json={"name": "bob-item"}, headers=bob)
    assert response.status_code == 201
    assert await _count(db_session, item_model) == 2


async def test_without_a_key_each_post_creates(client, headers, db_session, item_model):
    auth = headers("hq_admin")
    await client.post("/v1/items", json={"name": "a"}, headers=auth)
    await client.post("/v1/items", json={"name": "b"}, headers=auth)
    assert await _count(db_session, item_model) == 2


async def test_a_blank_key_is_422(client, headers):
    response = await client.post("/v1/items", json={"name": "x"},
                                 headers=headers("hq_admin") | {"Idempotency-Key": "  "})
    assert response.status_code == 422


async def test_a_failed_request_does_not_burn_its_key(client, headers):
    auth = headers("hq_admin", sub="alice")
    await client.post("/v1/items", json={"name": "taken"}, headers=auth)
    keyed = auth | {"Idempotency-Key": "k-3"}
    first = await client.post("/v1/items", json={"name": "taken"}, headers=keyed)
    assert first.status_code == 409
    retry = await client.post("/v1/items", json={"name": "taken"}, headers=keyed)
    assert retry.status_code == 409
    assert "idempotent-replayed" not in retry.headers
