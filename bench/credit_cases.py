"""Credit benchmarks: the blacklist check registry calls before every registration.

- `credit_bulk_check`: 1,000 subjects per call against the 50,000 subjects/s target, and against
  a bare FastAPI endpoint that parses the same body into credit's own `BlacklistCheck` type
  the standard FastAPI way (`json.loads`, then validation) behind the same token check and
  answers a same-shaped, lookup-free result. Credit itself lets pydantic read the bytes
  (`credit.deps.check_body`), which is cheaper: that saving is credit's to keep, and the absolute
  50,000 subjects/s target is unaffected by it.
- `credit_single_check`: one subject per call against the bare `POST /bare` endpoint.

Credit runs as production runs it (`python -m credit serve`, one uvicorn worker) pinned to
one core; the load generator runs on the other cores. Its database is fresh PostgreSQL when
reachable (PORTTRUST_BENCH_POSTGRES_URL, else PORTTRUST_TEST_POSTGRES_URL, else the local
default), otherwise SQLite, migrated with Alembic and seeded with 100,000 subjects of whom
5,000 are blacklisted (entries carry their subject's kind and lookup key, as credit writes
them). Bare and candidate are measured in the harness's alternating rounds
(`generate_pair`), so load from elsewhere on a shared machine falls on both sides alike.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench import harness
from bench.cases import Context, case
from bench.harness import Load, LoadResult, Request, Verdict
from credit.models import BlacklistEntry, Subject
from credit.schemas import BlacklistCheck
from credit.settings import Settings as CreditSettings
from porttrust_dev import testdata
from porttrust_shared.db import create_engine, is_postgres, new_id, utcnow
from porttrust_shared.deps import PrincipalDep
from porttrust_shared.errors import install_error_handlers
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import TokenVerifier

TARGET_SUBJECTS_PER_SECOND = 50_000
CHECK_SIZE = 1_000
POPULATION = {"holder": 40_000, "user_unit": 40_000, "handler": 20_000}
BLACKLISTED = 5_000
SEED_BATCH = 5_000


# ------------------------------------------------------------------------------ population

@dataclass(frozen=True)
class Population:
    """Request keys per kind, and which (kind, key) pairs are blacklisted."""

    keys: dict[str, list[str]]
    blacklisted: frozenset[tuple[str, str]]


def _id_number(serial: int) -> str:
    # 1,000 people per birth day from 1970-01-01 on; months of 28 days keep dates real.
    day, seq = divmod(serial, 1000)
    year, rest = divmod(day, 12 * 28)
    month, dom = divmod(rest, 28)
    return testdata.id_number(seq, born=f"{1970 + year:04d}{month + 1:02d}{dom + 1:02d}")


def make_population(seed: int = 7) -> Population:
    keys = {"holder": [testdata.uscc(i, prefix="91350100")
                       for i in range(POPULATION["holder"])],
            "user_unit": [testdata.uscc(i, prefix="92440300")
                          for i in range(POPULATION["user_unit"])],
            "handler": [_id_number(i) for i in range(POPULATION["handler"])]}
    everyone = [(kind, key) for kind, values in keys.items() for key in values]
    listed = random.Random(seed).sample(everyone, BLACKLISTED)
    return Population(keys=keys, blacklisted=frozenset(listed))


def check_body(population: Population, size: int, seed: int = 11) -> dict[str, Any]:
    """`size` subjects drawn from the whole population (so about 5% are blacklisted)."""
    rng = random.Random(seed)
    kinds = rng.choices(list(POPULATION), weights=list(POPULATION.values()), k=size)
    return {"subjects": [{"kind": kind, "key": rng.choice(population.keys[kind])}
                         for kind in kinds]}


def expected_hits(population: Population, body: dict[str, Any]) -> int:
    return sum((s["kind"], s["key"]) in population.blacklisted for s in body["subjects"])


# -------------------------------------------------------------------------------- database

@asynccontextmanager
async def credit_database(work_dir: Path, name: str) -> AsyncIterator[str]:
    """A fresh, empty database URL for one case (harness.fresh_postgres); dropped afterwards.
    SQLite when no PostgreSQL answers."""
    database = f"pt_bench_{name}_{os.getpid()}"
    try:
        url = harness.asyncpg_url(await harness.fresh_postgres(database))
    except Exception as exc:  # unreachable, refused, no asyncpg: fall back to SQLite
        print(f"  PostgreSQL unreachable ({type(exc).__name__}); using SQLite", flush=True)
        yield f"sqlite+aiosqlite:///{work_dir / (name + '.db')}"
        return
    try:
        yield url
    finally:
        await harness.drop_postgres(database)


def credit_env(work_dir: Path, database_url: str, *, cache: bool = True) -> dict[str, str]:
    """`cache=False`: every check reads the database (no in-memory answers)."""
    env = {"CREDIT_DATABASE_URL": database_url, "CREDIT_ENVIRONMENT": "test",
           "CREDIT_VAR_DIR": str(work_dir), "CREDIT_LOG_LEVEL": "WARNING"}
    if not cache:
        env["CREDIT_READ_CACHE_SECONDS"] = "0"
    return env


async def migrate(work_dir: Path, database_url: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "credit", "migrate",
        env={**os.environ, **credit_env(work_dir, database_url)})
    if await process.wait() != 0:
        raise RuntimeError("credit migrate failed")


def _cipher() -> PiiCipher:
    # The same settings class the service reads, so the blind index key is the one it uses.
    settings = CreditSettings(environment="test")
    return PiiCipher(settings.pii_keys, settings.blind_index_key)


def _subject_rows(population: Population) -> tuple[list[dict[str, Any]],
                                                   dict[tuple[str, str], dict[str, Any]]]:
    """Subject rows, and each one by (kind, request key)."""
    cipher, now, rows = _cipher(), utcnow(), {}
    for kind, keys in population.keys.items():
        for key in keys:
            lookup = cipher.blind_index(key, field="id_number") if kind == "handler" else key
            rows[(kind, key)] = {"id": new_id(), "kind": kind, "lookup_key": lookup,
                                 "id_number_enc": None, "created_at": now}
    return list(rows.values()), rows


def _entry_rows(population: Population,
                subjects: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    # An entry carries its subject's kind and lookup key, as `credit.service.blacklist` writes it.
    now = utcnow()
    return [{"id": new_id(), "subject_id": subjects[subject]["id"],
             "subject_kind": subjects[subject]["kind"],
             "subject_lookup_key": subjects[subject]["lookup_key"], "origin": "manual",
             "reason": "benchmark seed", "evidence": "seeded", "case_ref": None,
             "sanctions": ["suspend_cooperation", "restrict_business"], "listed_by": "bench",
             "listed_at": now, "expires_at": None, "lifted_at": None, "lifted_by": None,
             "lift_reason": None, "released_at": None}
            for subject in sorted(population.blacklisted)]


async def seed(database_url: str, population: Population) -> None:
    subjects, by_key = _subject_rows(population)
    entries = _entry_rows(population, by_key)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            for model, rows in ((Subject, subjects), (BlacklistEntry, entries)):
                for start in range(0, len(rows), SEED_BATCH):
                    await conn.execute(insert(model), rows[start:start + SEED_BATCH])
        if is_postgres(engine):
            # Planner statistics, as autovacuum would have them for a table this old; in a
            # committed transaction, or the rollback at close discards them.
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


@asynccontextmanager
async def seeded_credit(ctx: Context, name: str, population: Population, *,
                        cache: bool = True) -> AsyncIterator[tuple[harness.Server, str, str]]:
    """Credit on a fresh migrated and seeded database: (server, database dialect, its URL)."""
    work_dir = ctx.work_dir / f"credit_{name}"
    work_dir.mkdir(parents=True, exist_ok=True)
    async with credit_database(work_dir, name) as url:
        await migrate(work_dir, url)
        await seed(url, population)
        with harness.service("credit", work_dir, ctx.signer,
                             extra_env=credit_env(work_dir, url, cache=cache)) as server:
            yield server, make_url(url).get_backend_name(), url


# ------------------------------------------------------------------------------ one core

def _cpus() -> tuple[set[int], set[int]]:
    """(the server's core, the load generator's cores)."""
    available = sorted(os.sched_getaffinity(0))
    server = {available[0]}
    return server, (set(available[1:]) or server)


def pin(server: harness.Server) -> None:
    """Every thread of the server onto one core (threads started later inherit it)."""
    cores = _cpus()[0]
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cores)
        except ProcessLookupError:
            continue


@contextmanager
def load_generator_off_the_server_core() -> Iterator[None]:
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, _cpus()[1])
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


async def measure_pair(candidate: tuple[harness.Server, Request],
                       baseline: tuple[harness.Server, Request],
                       load: Load) -> tuple[LoadResult, LoadResult]:
    """(candidate, baseline) in the harness's alternating rounds, both servers on one core."""
    pin(candidate[0])
    pin(baseline[0])
    with load_generator_off_the_server_core():
        return await harness.generate_pair(candidate[1], baseline[1], load)


# --------------------------------------------------------------------------- bare baseline

def create_bare_check_app() -> FastAPI:
    """The bulk baseline: same token check, the same `BlacklistCheck` parse, a same-shaped
    answer, and no lookup. uvicorn factory; settings as in bench/baseline.py."""
    app = FastAPI(title="bench bare check", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.verifier = TokenVerifier(
        audience=os.environ.get("BENCH_AUDIENCE", "credit"),
        issuer=os.environ["BENCH_ISSUER"], jwks_file=Path(os.environ["BENCH_JWKS_FILE"]))
    install_error_handlers(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/bare-check")
    async def bare_check(data: BlacklistCheck, principal: PrincipalDep) -> JSONResponse:
        return JSONResponse({"results": [
            {"kind": s["kind"], "blacklisted": False, "since": None, "reason": None,
             "entry_id": None} for s in data["subjects"]]})

    return app


@contextmanager
def bare_check_server(ctx: Context) -> Iterator[harness.Server]:
    port = harness.free_port()
    argv = ["-m", "uvicorn", "--factory", "bench.credit_cases:create_bare_check_app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-access-log"]
    env = {"BENCH_JWKS_FILE": str(ctx.signer.jwks_file), "BENCH_ISSUER": harness.ISSUER,
           "BENCH_AUDIENCE": "credit"}
    with harness.running("bare-check", argv, env, port,
                         ctx.work_dir / "bare-check.log") as server:
        yield server


# ---------------------------------------------------------------------------------- cases

def target_result(calls_per_second: float) -> LoadResult:
    nan = float("nan")
    return LoadResult(requests=0, unexpected=0, statuses={}, seconds=0.0,
                      rps=calls_per_second, mean_ms=nan, p50_ms=nan, p95_ms=nan, p99_ms=nan)


def bulk_load(load: Load) -> Load:
    """A bulk call costs about a thousand single ones: fewer of them, same cap."""
    return replace(load, requests=max(50, load.requests // 10), warmup=min(load.warmup, 20))


async def hits_in_one_call(server: harness.Server, headers: dict[str, str],
                           body: dict[str, Any]) -> int:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(server.url + "/v1/blacklist/check", json=body,
                                     headers=headers)
    response.raise_for_status()
    return sum(r["blacklisted"] for r in response.json()["results"])


@case("credit_bulk_check",
      "credit POST /v1/blacklist/check, 1,000 subjects per call, one core: vs 50,000 "
      "subjects/s and vs a bare endpoint parsing the same body")
async def credit_bulk_check(ctx: Context) -> list[Verdict]:
    population = make_population()
    body, headers = check_body(population, CHECK_SIZE), ctx.signer.headers(
        "service", audience=["credit"])
    with bare_check_server(ctx) as bare_server:
        # The same 1,000 subjects every call: with the read cache every call after the first
        # would be answered from memory, so the 50,000/s target is judged on database reads.
        async with seeded_credit(ctx, "bulk", population, cache=False) as (server, dialect, _):
            hits = await hits_in_one_call(server, headers, body)
            if hits != expected_hits(population, body):
                raise RuntimeError(f"credit saw {hits} blacklisted, the seed has "
                                   f"{expected_hits(population, body)}: seeding went wrong")
            full, bare = await measure_pair(
                (server, Request("POST", server.url + "/v1/blacklist/check", headers, body)),
                (bare_server, Request("POST", bare_server.url + "/bare-check", headers, body)),
                bulk_load(ctx.load))
    rate = full.rps * CHECK_SIZE
    target = harness.judge("credit_bulk_check_target", full,
                           target_result(TARGET_SUBJECTS_PER_SECOND / CHECK_SIZE),
                           budget=1.0, metric="rps")
    target.note = "; ".join(filter(None, [
        f"{rate:,.0f} subjects/s vs target {TARGET_SUBJECTS_PER_SECOND:,} on {dialect}, "
        f"{hits} of {CHECK_SIZE} blacklisted, load average {os.getloadavg()[0]:.1f}",
        target.note]))
    # The target is half of what a bare parse of the body sustains on a quiet core, so the
    # lookup may cost at most as much again as parsing and the token check.
    versus_bare = harness.judge("credit_bulk_check_vs_bare", full, bare, budget=2.0,
                                metric="rps")
    versus_bare.note = "; ".join(filter(None, [
        f"bare {bare.rps * CHECK_SIZE:,.0f} subjects/s", versus_bare.note]))
    return [target, versus_bare]


@case("credit_single_check",
      "credit POST /v1/blacklist/check, one subject, one core, vs bare POST with the same "
      "token check (at least 50% of its requests/s)")
async def credit_single_check(ctx: Context) -> list[Verdict]:
    population = make_population()
    body, headers = check_body(population, 1), ctx.signer.headers(
        "service", audience=["credit"])
    with harness.baseline(ctx.work_dir, ctx.signer, audience="credit") as base:
        async with seeded_credit(ctx, "single", population) as (server, dialect, url):
            request = Request("POST", server.url + "/v1/blacklist/check", headers, body)
            full, bare = await measure_pair(
                (server, request), (base, Request("POST", base.url + "/bare", headers, body)),
                ctx.load)
            # For the record, not judged: the same subject from a credit without the read
            # cache (every check a database read), on the same database and core.
            work_dir = ctx.work_dir / "credit_single_uncached"
            with harness.service("credit", work_dir, ctx.signer,
                                 extra_env=credit_env(work_dir, url, cache=False)) as cold:
                uncached, bare_again = await measure_pair(
                    (cold, replace(request, url=cold.url + "/v1/blacklist/check")),
                    (base, Request("POST", base.url + "/bare", headers, body)), ctx.load)
    verdict = harness.judge("credit_single_check", full, bare, budget=2.0, metric="rps")
    verdict.note = "; ".join(filter(None, [
        f"on {dialect}; answered from the read cache (one subject, unchanged blacklist); "
        f"without it {uncached.rps:,.0f} req/s = {bare_again.rps / uncached.rps:.2f}x",
        verdict.note]))
    return [verdict]
