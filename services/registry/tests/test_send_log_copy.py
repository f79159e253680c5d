"""The send log's COPY in text format (`_copy_text`) writes exactly what binary COPY of the
same rows writes, read back column by column from PostgreSQL, for any text the rows may carry
(a caller's sub-port, a token's subject...): tabs, line ends, backslashes, `\\N`, `\\.`,
unicode, any instant. A NUL, which PostgreSQL text cannot hold (a body's is refused 422 before
any check; a token's subject may carry one), fails the whole group as binary COPY does: none
of its checks is answered, none is logged."""

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porttrust_dev.testing import separate_engine
from porttrust_shared.changes import connect_driver
from porttrust_shared.db import new_id, utcnow
from porttrust_shared.errors import DependencyUnavailable
from registry.service.send_log_writer import (
    COLUMNS,
    SMALL_GROUP,
    CopyLogWriter,
    LogRow,
    _copy_text,
    _records,
)

AWKWARD = ["\t", "\n", "\r", "\r\n", "\\", "\\N", "\\.", "\\t", "N", ".", " ", '"', "\x0b",
           "\x1f", "\x7f", "\u2028", "\ufeff", "张", "😀", "e\u0301"]
piece = st.one_of(st.sampled_from(AWKWARD), st.characters(
    exclude_categories=("Cs",), exclude_characters="\x00"))  # no NUL, no lone surrogate


def text(limit: int) -> st.SearchStrategy[str]:
    """Up to `limit` characters (the column's varchar), awkward ones likely."""
    return st.lists(piece, max_size=limit).map(lambda parts: "".join(parts)[:limit])


def nullable(limit: int) -> st.SearchStrategy[str | None]:
    return st.none() | text(limit)


# Any instant PostgreSQL's timestamptz holds to the microsecond, at any offset; naive times
# are local time to both writers; a datetime's first and last instants are -infinity and
# infinity to asyncpg.
moment = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                      timezones=st.none() | st.builds(dt.timezone, st.timedeltas(
                          min_value=dt.timedelta(hours=-23), max_value=dt.timedelta(hours=23))))
ends = st.sampled_from([dt.datetime.max, dt.datetime.min, dt.datetime.max.replace(tzinfo=dt.UTC),
                        dt.datetime.min.replace(tzinfo=dt.UTC)])
reasons = st.lists(st.text(st.characters(exclude_categories=("Cs",))), max_size=3)
rows = st.builds(LogRow, moment | ends, text(32), nullable(2), nullable(64), text(32),
                 st.booleans(), st.booleans(), reasons, nullable(32), text(128), text(64),
                 st.integers(-2**31, 2**31 - 1))
plain = st.builds(LogRow, st.just(dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)),
                  st.from_regex(r"1069[0-9]{8}", fullmatch=True), st.just("44"),
                  st.none() | st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
                  st.just("138****5678"), st.booleans(), st.booleans(),
                  st.sampled_from([[], ["recipient_opted_out"]]),
                  st.none() | st.just("t" * 32), st.just("gateway"),
                  st.from_regex(r"[0-9a-f]{64}", fullmatch=True), st.integers(1, 2000))
# A plain row but for one text value (as when only a caller's sub-port is odd).
LIMITS = {"sub_port_number": 32, "province": 2, "recipient_index": 64, "recipient_masked": 32,
          "template_id": 32, "actor": 128, "content_digest": 64}
one_odd = st.builds(lambda row, odd: row._replace(**dict([odd])), plain,
                    st.sampled_from(sorted(LIMITS.items())).flatmap(
                        lambda item: st.tuples(st.just(item[0]), text(item[1]))))
READ = ("SELECT " + ", ".join(c if c != "reasons" else "reasons::text" for c in COLUMNS)
        + " FROM send_log WHERE id > $1 ORDER BY id")


@pytest.fixture(scope="module")
async def conn(cache_db: str) -> AsyncIterator[Any]:
    async with separate_engine(cache_db) as engine:
        driver = await connect_driver(engine)
        try:
            yield driver
        finally:
            await driver.close()


async def written(conn: Any, copy: Callable[[], Any]) -> list[tuple[Any, ...]]:
    start = await conn.fetchval("SELECT coalesce(max(id), 0) FROM send_log")
    await copy()
    return [tuple(row) for row in await conn.fetch(READ, start)]


def instant(at: dt.datetime) -> Any:
    """As asyncpg reads back what it wrote."""
    if at.replace(tzinfo=None) in (dt.datetime.max, dt.datetime.min):
        return at.replace(tzinfo=None)  # infinity, -infinity
    return at.astimezone(dt.UTC)


@pytest.mark.postgres
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows | plain | one_odd, min_size=1, max_size=12))
async def test_text_copy_writes_what_binary_copy_writes(conn: Any, logged: list[LogRow]) -> None:
    transaction = conn.transaction()
    await transaction.start()
    try:
        binary = await written(conn, lambda: conn.copy_records_to_table(
            "send_log", records=_records(logged), columns=COLUMNS))
        text = await written(conn, lambda: conn.copy_to_table(
            "send_log", source=memoryview(_copy_text(logged)), columns=COLUMNS,
            format="text"))
    finally:
        await transaction.rollback()
    assert text == binary
    assert text == [(instant(r.checked_at), *r[1:7], json.dumps(r.reasons), *r[8:])
                    for r in logged]


def test_plain_rows_are_written_as_they_are_and_others_escaped() -> None:
    at = dt.datetime(2026, 12, 6, 16, 0, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    row = LogRow(at, "106901234567", "44", None, "138****5678", False, True,
                 ["recipient_opted_out"], None, "gateway", "ab" * 32, 70)
    line = ("2026-12-06T08:00:00.000005+00:00\t106901234567\t44\t\\N\t138****5678\tf\tt\t"
            '["recipient_opted_out"]\t\\N\tgateway\t' + "ab" * 32 + "\t70\n")
    assert _copy_text([row]) == line.encode()
    odd = row._replace(sub_port_number="1\t2\n3\r4\\N", actor="张\\", reasons=['a"\\'])
    assert _copy_text([row, odd]) == (line + line.replace(
        "106901234567", "1\\t2\\n3\\r4\\\\N").replace("gateway", "张\\\\").replace(
        '["recipient_opted_out"]', '["a\\\\"\\\\\\\\"]')).encode()
    # A backslash alone, beside the NULLs' own (`\\N`): counted, so escaped all the same.
    sly = row._replace(actor="gate\\N")
    assert _copy_text([row, sly]) == (line + line.replace("gateway", "gate\\\\N")).encode()


def logged_row(number: str, n: int) -> LogRow:
    return LogRow(utcnow(), number, "44", None, "138****5678", True, True, [], None, "gw",
                  "0" * 64, n)


async def count(conn: Any, number: str) -> int:
    return int(await conn.fetchval(
        "SELECT count(*) FROM send_log WHERE sub_port_number = $1", number))


@pytest.mark.postgres
@pytest.mark.parametrize("size", [1, SMALL_GROUP + 1])  # by the INSERT, by COPY
async def test_a_nul_fails_its_whole_group_and_nothing_of_it_is_logged(
        cache_db: str, conn: Any, size: int) -> None:
    """The database refuses a NUL (no PostgreSQL text holds one) by either statement: every
    write of the group raises (each check answers 503), nothing of the group is committed,
    and the next group is written on a new connection."""
    number = new_id()[:12]
    good = [logged_row(number, n) for n in range(size)]
    bad = [logged_row(number, size)._replace(actor="g\x00w")]
    async with separate_engine(cache_db) as engine:
        log = CopyLogWriter(engine)
        try:
            results = await asyncio.gather(log.write(good), log.write(bad),
                                           return_exceptions=True)
            assert [type(r) for r in results] == [DependencyUnavailable] * 2
            assert await count(conn, number) == 0
            await log.write(good)
        finally:
            await log.close()
    assert await count(conn, number) == size


@pytest.fixture
def credit() -> None:
    """The apps here get their own credit (conftest `serve`)."""


@pytest.mark.postgres
async def test_a_batch_whose_log_rows_are_refused_is_answered_503(
        serve: Callable[..., Any], headers: Callable[..., dict[str, str]], conn: Any) -> None:
    """A batch's rows go by COPY; rows the database refuses (a NUL: a body's text cannot
    hold one, 422, but a token's subject may) are not answered: 503, nothing logged, the
    subject not echoed; the same batch under another subject is answered and logged."""
    _, client = await serve()
    numbers = [f"1069{new_id()[:8]}" for _ in range(SMALL_GROUP + 1)]
    body = {"checks": [{"sub_port": number, "recipient": "13812345678",
                        "content": "【某某银行】您好"} for number in numbers]}
    response = await client.post("/v1/send-checks/batch", json=body,
                                 headers=headers("gateway", sub="gate\x00way"))
    assert response.status_code == 503, response.text
    assert "gate" not in response.text
    assert [await count(conn, number) for number in numbers[:2]] == [0, 0]
    response = await client.post("/v1/send-checks/batch", json=body,
                                 headers=headers("gateway", sub="gateway"))
    assert response.status_code == 200, response.text
    assert [await count(conn, number) for number in numbers[:2]] == [1, 1]
