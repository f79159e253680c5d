"""Bulk writes and set lookups that stay fast on PostgreSQL: COPY for inserts and one array
parameter instead of thousands of IN parameters. SQLite gets the portable forms."""

import json
from collections.abc import Collection
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, ColumnElement, Table, any_, bindparam, func, insert
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import String

from porttrust_shared.changes import mark_written
from porttrust_shared.db import is_postgres


def among(session: AsyncSession, column: InstrumentedAttribute[Any],
          values: Collection[str]) -> ColumnElement[bool]:
    """`column IN values`, as `= ANY($1)` with one array parameter on PostgreSQL."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    return column.in_(values)


def numbers_among(session: AsyncSession, column: InstrumentedAttribute[Any],
                  numbers: Collection[str]) -> ColumnElement[bool]:
    """`column IN numbers` for validated port numbers (digits only): on PostgreSQL one text
    parameter the server splits at commas. Encoding a 5,000-element array costs the client
    ~2 us an element (asyncpg checks each one), joining the digits costs next to nothing."""
    if is_postgres(session):
        joined = bindparam(None, ",".join(numbers), type_=String)
        return column == any_(func.string_to_array(joined, ","))
    return column.in_(numbers)


async def bulk_insert(session: AsyncSession, model: type[Any], rows: list[dict[str, Any]],
                      ) -> None:
    """Insert `rows` (all with the same keys) into `model`'s table in the session's
    transaction: COPY on PostgreSQL (JSON values are serialised in place), executemany
    elsewhere."""
    table: Table = model.__table__
    if not rows:
        return
    if not is_postgres(session):
        await session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    for name in [name for name in columns if isinstance(table.c[name].type, JSON)]:
        _as_json(rows, name)
    records = list(map(itemgetter(*columns), rows)) if len(columns) > 1 else [
        (row[columns[0]],) for row in rows]
    driver = await raw_connection(session)
    await driver.copy_records_to_table(table.name, records=records, columns=columns)
    mark_written(session, table.name)  # the ORM did not see it: caches reading it drop


async def raw_connection(session: AsyncSession) -> Any:
    """The session's asyncpg connection, inside the session's transaction."""
    connection = await (await session.connection()).get_raw_connection()
    return connection.driver_connection


def _as_json(rows: list[dict[str, Any]], name: str) -> None:
    """Serialise one JSON column in place; a value shared by many rows is encoded once."""
    done: dict[int, str] = {}
    for row in rows:
        value = row[name]
        key = id(value)
        if key not in done:
            done[key] = json.dumps(value, ensure_ascii=False)
        row[name] = done[key]
