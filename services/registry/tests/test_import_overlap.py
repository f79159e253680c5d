"""A job on a PostgreSQL engine plans each chunk on its own connection while the chunk before
it is stored: what an earlier chunk creates is reused, never created twice, and a chunk whose
store fails makes the next chunk plan again without it.

The app's test sessions share one connection, so these tests build their own engine on a
database of their own (PostgreSQL only: on SQLite a job runs chunk after chunk)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_dev import testdata
from porttrust_dev.testing import drop_postgres, migrated_database
from porttrust_shared.db import create_engine, session_factory
from porttrust_shared.pii import PiiCipher
from porttrust_shared.settings import DEV_INDEX_KEY, DEV_PII_KEY
from porttrust_shared.tokens import Principal
from registry.clients import BlacklistResult, Subject
from registry.models import Handler, ImportJob, ImportRowError, Organization, Port, SubPort
from registry.service.imports import planner, writer
from registry.service.imports import runner as svc
from registry.service.imports.parsing import parse_file

pytestmark = pytest.mark.postgres  # chunks overlap only on a PostgreSQL engine


SERVICE_DIR = Path(__file__).resolve().parents[1]
HOLDER, UNIT = testdata.uscc(501), testdata.uscc(502)
PERSON = "handler_name,handler_id_number,handler_phone"


class NotListed:
    async def check(self, subjects: list[Subject]) -> list[BlacklistResult]:
        return [BlacklistResult(kind=s.kind, blacklisted=False) for s in subjects]


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = await migrated_database("registry_overlap", SERVICE_DIR, tmp_path)
    engine = create_engine(url)
    factory = session_factory(engine)
    async with factory() as session:
        session.add(Organization(uscc=HOLDER, name="持有单位", province="44", roles=["holder"]))
        session.add(Port(number="10690123", holder_uscc=HOLDER, province="44",
                         scope="provincial"))
        await session.commit()
    yield factory
    await engine.dispose()
    await drop_postgres(url)


def csv_rows(rows: list[str]) -> bytes:
    header = "number,province,user_unit_uscc,user_unit_name,business_type,purpose," \
             f"machine_room,equipment,{PERSON}\n"
    return (header + "".join(row + "\n" for row in rows)).encode()


def row(n: int, person: int) -> str:
    return (f"10690123{n:04d},44,{UNIT},新单位,notification,发货通知,机房A,SMSC-1,"
            f"张三,{testdata.id_number(600 + person)},138{person:08d}")


async def run(sessions: async_sessionmaker[AsyncSession], data: bytes) -> ImportJob:
    actor = Principal(sub="hq-admin", roles=frozenset({"hq_admin"}), province="HQ")
    parsed = parse_file(data, "csv")
    tools = svc.Tools(actor=actor, credit=NotListed(), cipher=PiiCipher(
        f"dev1:{DEV_PII_KEY}", DEV_INDEX_KEY), chunk_size=2)
    job = await svc.create_job(sessions, parsed=parsed, actor=actor)
    await svc.run_job(sessions, job_id=job.id, rows=parsed.rows, tools=tools)
    async with sessions() as session:
        found = await session.get(ImportJob, job.id)
        assert found is not None
        return found


async def count(sessions: async_sessionmaker[AsyncSession], query: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(query)).scalar_one())


def hold_first_insert(monkeypatch: pytest.MonkeyPatch, until: asyncio.Event,
                      error: Exception | None = None) -> None:
    """Chunk 1's COPY waits for `until`, then fails with `error` if given."""
    insert, calls = writer._insert_new_postgres, []

    async def held(*args: Any, **kw: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            await until.wait()
            if error is not None:
                raise error
        await insert(*args, **kw)

    monkeypatch.setattr(writer, "_insert_new_postgres", held)


async def test_a_person_and_unit_made_by_one_chunk_are_reused_by_the_next(sessions,
                                                                          monkeypatch):
    second_planned = asyncio.Event()
    prepare = planner.Planner.prepare

    async def signalling_prepare(self: Any, *args: Any, **kw: Any) -> Any:
        prepared = await prepare(self, *args, **kw)
        if len(self.seen) > 2:
            second_planned.set()
        return prepared

    monkeypatch.setattr(planner.Planner, "prepare", signalling_prepare)
    hold_first_insert(monkeypatch, second_planned)
    job = await run(sessions, csv_rows([row(n, person=1) for n in range(1, 6)]))
    assert (job.status, job.created, job.failed) == ("done", 5, 0)
    assert await count(sessions, select(func.count()).select_from(Handler)) == 1
    assert await count(sessions, select(func.count()).where(
        Organization.uscc == UNIT)) == 1
    assert await count(sessions, select(func.count(func.distinct(SubPort.handler_id)))) == 1


async def test_a_failed_store_makes_the_next_chunk_plan_again(sessions, monkeypatch):
    """Chunk 1's store fails while chunk 2 is being planned counting on chunk 1's new unit
    and person: chunk 2 is planned again and creates them itself."""
    second_loaded, forgotten = asyncio.Event(), asyncio.Event()
    load, forget = planner.Lookups.load.__func__, planner.Planner.forget
    loads: list[int] = []

    async def slow_second_load(cls: Any, *args: Any, **kw: Any) -> Any:
        ctx = await load(cls, *args, **kw)
        loads.append(1)
        if len(loads) == 2:
            second_loaded.set()
            await forgotten.wait()  # chunk 1 failed before chunk 2's plan is finished
        return ctx

    def signalling_forget(self: Any) -> None:
        forget(self)
        forgotten.set()

    monkeypatch.setattr(planner.Lookups, "load", classmethod(slow_second_load))
    monkeypatch.setattr(planner.Planner, "forget", signalling_forget)
    hold_first_insert(monkeypatch, second_loaded, OperationalError("COPY", {}, Exception("lost")))
    job = await run(sessions, csv_rows([row(n, person=2) for n in range(1, 5)]))
    assert (job.status, job.created, job.failed) == ("done", 2, 2)
    assert len(loads) == 3
    async with sessions() as session:
        codes = (await session.execute(select(ImportRowError.row, ImportRowError.code).where(
            ImportRowError.job_id == job.id).order_by(ImportRowError.row))).all()
        handler_ids = set((await session.execute(select(SubPort.handler_id))).scalars())
        handlers = set((await session.execute(select(Handler.id))).scalars())
        units = set((await session.execute(select(Organization.uscc))).scalars())
    assert [tuple(c) for c in codes] == [(2, "chunk_failed"), (3, "chunk_failed")]
    assert handler_ids == handlers and len(handlers) == 1
    assert UNIT in units
