"""The import's upload: capped while it streams, a few imports at a time per client."""

import pytest

from registry.api.imports import ImportSlots
from registry.errors import TooManyImports

PROBLEM = "application/problem+json"
CSV = {"Content-Type": "text/csv"}
HEADER_LINE = (b"number,province,user_unit_uscc,business_type,purpose,machine_room,"
               b"equipment\n")


@pytest.fixture
def capped(app, import_settings):
    """One import per client at a time, Retry-After 7 s; files up to 1,000 bytes."""
    import_settings(max_concurrent=1, retry_after_seconds=7, max_bytes=1000)
    app.state.import_slots = ImportSlots(per_client=1, retry_after=7)
    yield app.state.import_slots
    del app.state.import_slots


async def test_a_second_import_of_one_client_at_once_is_429_with_retry_after(client, headers,
                                                                           capped):
    async with capped.hold("user:alice"):
        response = await client.post("/v1/sub-ports/import", content=HEADER_LINE,
                                     headers={**headers("hq_admin", sub="user:alice"), **CSV})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.headers["content-type"] == PROBLEM


async def test_another_client_still_imports_meanwhile(client, headers, capped):
    async with capped.hold("user:alice"):
        response = await client.post("/v1/sub-ports/import", content=HEADER_LINE,
                                     headers={**headers("hq_admin", sub="user:bob"), **CSV})
    assert response.status_code == 200
    assert response.json()["counts"]["created"] == 0


async def test_the_slot_is_given_back_when_the_import_ends(client, headers, capped):
    await client.post("/v1/sub-ports/import", content=HEADER_LINE,
                      headers={**headers("hq_admin", sub="user:alice"), **CSV})
    assert capped.held("user:alice") == 0


async def test_a_streamed_file_over_the_import_cap_is_413(client, headers, capped):
    async def chunks():
        yield HEADER_LINE
        for _ in range(40):
            yield b"106901230001,44,x,notification,p,m,e\n"

    response = await client.post("/v1/sub-ports/import", content=chunks(),
                                 headers={**headers("hq_admin"), **CSV})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_a_kept_slot_is_held_until_its_release_runs():
    slots = ImportSlots(per_client=1, retry_after=1)
    async with slots.hold("c") as slot:
        release = slot.keep()
    with pytest.raises(TooManyImports):
        async with slots.hold("c"):
            pass
    release()
    assert slots.held("c") == 0
