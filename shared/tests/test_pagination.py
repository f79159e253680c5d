"""Cursor pagination: opaque cursors, capped limits; a tampered cursor is a 400 problem."""

import datetime as dt

import pytest
from sqlalchemy import select

from porttrust_shared.errors import BadRequest
from porttrust_shared.pagination import (
    Keyset,
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


def _sql(query):
    return " ".join(str(query.compile(compile_kwargs={"literal_binds": True})).split())


def test_keyset_resumes_strictly_after_the_cursor_on_every_column(audit_model):
    keyset = Keyset(audit_model.at, audit_model.seq)
    cursor = encode_cursor(["2026-01-02T03:04:05+00:00", 7])
    sql = _sql(keyset.after(select(audit_model.seq), cursor))
    assert "audit_events.at > '2026-01-02 03:04:05+00:00' OR audit_events.at = " \
           "'2026-01-02 03:04:05+00:00' AND audit_events.seq > 7" in sql


def test_a_descending_keyset_orders_and_resumes_downwards(audit_model):
    keyset = Keyset(audit_model.seq, descending=True)
    sql = _sql(keyset.after(keyset.order(select(audit_model.seq)), encode_cursor([7])))
    assert "WHERE audit_events.seq < 7 ORDER BY audit_events.seq DESC" in sql


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1])
def test_a_keyset_cursor_past_an_integer_column_is_a_400(item_model, value):
    """PostgreSQL would refuse to compare it with the column: a 500, not a page."""
    with pytest.raises(BadRequest):
        Keyset(item_model.id).after(select(item_model), encode_cursor([value]))
    Keyset(item_model.id).after(select(item_model), encode_cursor([2**31 - 1]))


def test_a_big_integer_column_takes_64_bit_cursor_values(audit_model):
    keyset = Keyset(audit_model.seq)
    keyset.after(select(audit_model), encode_cursor([2**62]))
    with pytest.raises(BadRequest):
        keyset.after(select(audit_model), encode_cursor([2**63]))


def test_a_keyset_cursor_of_the_wrong_types_is_a_400(audit_model):
    keyset = Keyset(audit_model.at, audit_model.seq)
    for values in (["2026-01-02T03:04:05", 7], ["2026-01-02T03:04:05+00:00", "x"], [7]):
        with pytest.raises(BadRequest):
            keyset.after(select(audit_model.seq), encode_cursor(values))


async def _seed(db_session, audit_model, count):
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    for seq in range(1, count + 1):  # pairs share a timestamp: the second column breaks ties
        db_session.add(audit_model(seq=seq, at=at + dt.timedelta(seconds=seq // 2), actor="a",
                                   action="x", entity="e", entity_id=str(seq), data={},
                                   prev_hash="", hash=f"h{seq}"))
    await db_session.flush()


@pytest.mark.parametrize("descending", [False, True])
async def test_keyset_pages_walk_every_row_once_in_order(db_session, audit_model, descending):
    await _seed(db_session, audit_model, 7)
    keyset = Keyset(audit_model.at, audit_model.seq, descending=descending)
    seen, cursor = [], None
    while True:
        rows, cursor = await keyset.page(db_session, select(audit_model), cursor=cursor,
                                         limit=3, max_limit=100)
        seen += [row.seq for row in rows]
        if cursor is None:
            break
    assert seen == sorted(range(1, 8), reverse=descending)


async def test_keyset_pages_result_rows_keyed_by_their_first_entity(db_session, audit_model):
    await _seed(db_session, audit_model, 3)
    keyset = Keyset(audit_model.at, audit_model.seq)
    rows, cursor = await keyset.page(db_session, select(audit_model, audit_model.actor),
                                     cursor=None, limit=2, max_limit=100)
    assert [(row[0].seq, row[1]) for row in rows] == [(1, "a"), (2, "a")]
    assert decode_cursor(cursor) == [rows[1][0].at.isoformat(), 2]


async def test_a_forged_cursor_past_the_id_column_is_a_400_problem(client):
    response = await client.get("/v1/items", params={"cursor": encode_cursor([2**40])})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
