"""Cursor pagination: opaque cursors, capped limits; a tampered cursor is a 400 problem."""

import datetime as dt

import pytest

from porttrust_shared.errors import BadRequest
from porttrust_shared.pagination import (
    aware_datetime,
    clamp_limit,
    cursor_values,
    decode_cursor,
    encode_cursor,
    page_of,
)


def test_cursor_round_trips():
    assert decode_cursor(encode_cursor([17, "2026-01-01T00:00:00+00:00"])) == [
        17, "2026-01-01T00:00:00+00:00"]


def test_no_cursor_is_the_first_page():
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


@pytest.mark.parametrize("bad", ["%%%", "bm90IGEgY3Vyc29y", "x" * 3000])
def test_made_up_cursor_is_refused(bad):
    with pytest.raises(BadRequest):
        decode_cursor(bad)


def test_edited_cursor_is_refused():
    cursor = encode_cursor([17])
    edited = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    with pytest.raises(BadRequest):
        decode_cursor(edited)


def test_limit_is_capped_and_defaulted():
    assert clamp_limit(10_000, 500) == 500
    assert clamp_limit(None, 500) == 50
    with pytest.raises(BadRequest):
        clamp_limit(0, 500)


def test_page_of_gives_a_cursor_only_when_more_rows_exist():
    assert page_of([1, 2], 2, lambda r: [r]) == ([1, 2], None)
    page, cursor = page_of([1, 2, 3], 2, lambda r: [r])
    assert page == [1, 2]
    assert decode_cursor(cursor) == [2]


async def test_pages_walk_through_every_item_once(client, headers):
    auth = headers("hq_admin")
    for n in range(5):
        await client.post("/v1/items", json={"name": f"walk-{n}"}, headers=auth)
    names, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await client.get("/v1/items", params=params)).json()
        names += [i["name"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert names == [f"walk-{n}" for n in range(5)]


async def test_tampered_cursor_is_a_400_problem(client):
    response = await client.get("/v1/items", params={"cursor": "WyJEUk9QIFRBQkxFIl0"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"



def test_cursor_values_parse_each_value_with_its_parser():
    cursor = encode_cursor(["2026-01-02T03:04:05+00:00", "abc"])
    assert cursor_values(cursor, aware_datetime, str) == (
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "abc")
    assert cursor_values(None, int) is None


@pytest.mark.parametrize(("values", "parsers"), [
    (["x"], (int,)),                              # wrong type
    ([1, 2], (int,)),                             # too many values
    ([], (int,)),                                 # too few
    (["2026-01-02T03:04:05"], (aware_datetime,)),  # timestamp without a zone
])
def test_a_cursor_that_does_not_fit_its_parsers_is_a_400(values, parsers):
    with pytest.raises(BadRequest):
        cursor_values(encode_cursor(values), *parsers)
