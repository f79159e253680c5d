"""Registry benchmarks: bulk import against a plain PostgreSQL COPY of the same rows, and one
sub-port GET against the bare token-check endpoint. Found by bench.cases.load_all().

Both cases run registry on PostgreSQL: PORTTRUST_BENCH_POSTGRES_URL (an admin URL, default
postgresql://postgres@127.0.0.1:5432/postgres); it creates and drops its own database.
credit is replaced by a stub that answers "not blacklisted", so the import still makes its
one screening call per chunk over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import csv
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from bench import harness
from bench.cases import Context, case
from bench.harness import LoadResult, Request, Verdict
from porttrust_dev import testdata

ROWS = int(os.environ.get("PORTTRUST_BENCH_IMPORT_ROWS", "100000"))
# Rounds of (import, COPY); medians compared.
IMPORT_RUNS = int(os.environ.get("PORTTRUST_BENCH_IMPORT_RUNS", "3"))
DB_NAME = "pt_bench_registry"
PORT = "10690123"
COLUMNS = ["number", "province", "user_unit_uscc", "handler_id", "business_type", "purpose",
           "machine_room", "equipment", "monthly_volume", "value_contribution",
           "customer_importance"]


def fake_credit_app() -> FastAPI:
    """credit's POST /v1/blacklist/check, answering every subject "not blacklisted"."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/blacklist/check")
    async def check(body: dict[str, Any]) -> dict[str, Any]:
        return {"results": [{"kind": s["kind"], "blacklisted": False}
                            for s in body["subjects"]]}

    return app


@contextmanager
def stub_server(work_dir: Path, name: str, factory: str) -> Iterator[harness.Server]:
    """A stand-in service: uvicorn serving the app `factory` ("module:function") makes."""
    port = harness.free_port()
    argv = ["-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log"]
    with harness.running(name, argv, {}, port, work_dir / f"{name}.log") as server:
        yield server


def fake_credit(work_dir: Path) -> Any:
    return stub_server(work_dir, "credit-stub", "bench.registry_cases:fake_credit_app")


def _id_number(n: int) -> str:
    return testdata.id_number(n, region="440106", born="19850101")


async def _seed(url: str, headers: dict[str, str]) -> tuple[str, str]:
    """A holder with port 10690123, a user unit and its verified handler, through the API."""
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = await http.post(path, json=body)
            if response.status_code not in (200, 201):
                raise RuntimeError(f"seeding {path}: {response.status_code} {response.text}")
            data: dict[str, Any] = response.json()
            return data

        holder = await post("/v1/organizations", {"uscc": testdata.uscc(1), "name": "持有单位",
                                                  "province": "44", "roles": ["holder"]})
        unit = await post("/v1/organizations", {"uscc": testdata.uscc(2), "name": "使用单位",
                                                "province": "44", "roles": ["user_unit"]})
        await post("/v1/ports", {"number": PORT, "holder_uscc": holder["uscc"],
                                 "province": "44", "scope": "provincial"})
        # The user of a port must be its contract signer (R4): without this the rows'
        # records would be incomplete.
        await post(f"/v1/organizations/{unit['uscc']}/agreements", {
            "kind": "service", "counterparty_uscc": holder["uscc"],
            "signed_at": "2026-03-01T00:00:00Z", "document_ref": "bench",
            "clauses": ["no_transfer", "no_rent", "no_sublet", "no_out_of_scope",
                        "retain_logs"]})
        handler = await post("/v1/handlers", {"name": "张三", "id_number": _id_number(1),
                                              "phone": "13800000001",
                                              "organization_uscc": unit["uscc"]})
        return unit["uscc"], handler["id"]


def _write_csv(path: Path, unit: str, handler: str, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for n in range(rows):
            writer.writerow([f"{PORT}{n:07d}", "44", unit, handler, "notification",
                             "订单发货通知", "广州南方基地A3", "SMSC-GZ-07", 1000 + n % 500,
                             n % 9000, n % 10])


def _result(rows: int, seconds: float, failed: int) -> LoadResult:
    ms = seconds * 1000
    return LoadResult(requests=rows, unexpected=failed, statuses={"rows": rows - failed},
                      seconds=round(seconds, 3), rps=round(rows / seconds, 1), mean_ms=ms,
                      p50_ms=ms, p95_ms=ms, p99_ms=ms)


async def _import(url: str, headers: dict[str, str], data: bytes) -> tuple[float, int]:
    """Seconds from upload to the job's last chunk, and how many rows failed."""
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600) as http:
        started = time.perf_counter()
        response = await http.post("/v1/sub-ports/import", content=data,
                                   headers={"Content-Type": "text/csv"})
        if response.status_code not in (200, 202):
            raise RuntimeError(f"import: {response.status_code} {response.text[:500]}")
        body = response.json()
        job_id = body.get("job_id")
        while body.get("status") != "done":
            if body.get("status") == "failed":
                raise RuntimeError(f"import job failed: {body}")
            await asyncio.sleep(0.05)
            reply = await http.get(f"/v1/sub-ports/import/{job_id}", params={"limit": 1})
            if reply.status_code != 200:
                raise RuntimeError(f"import job: {reply.status_code} {reply.text[:500]}")
            body = reply.json()
        elapsed = time.perf_counter() - started
    return elapsed, int(body["counts"]["failed"])


async def _copy(dsn: str, path: Path, *, records: bool = False) -> float:
    """A plain COPY of the same CSV into a fresh table shaped like sub_ports: the file as is
    (psql's \\copy), or with `records` read by Python's csv module and sent with asyncpg's
    copy_records_to_table."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE IF EXISTS copy_sub_ports")
        # Same columns, primary key and indexes as the real table.
        await conn.execute("CREATE TABLE copy_sub_ports (LIKE sub_ports INCLUDING ALL)")
        for column in ("port_number", "status", "whitelisted", "version", "created_at",
                       "updated_at"):
            await conn.execute(f"ALTER TABLE copy_sub_ports ALTER COLUMN {column} DROP NOT NULL")
        started = time.perf_counter()
        if records:
            await conn.copy_records_to_table("copy_sub_ports", columns=COLUMNS,
                                             records=_records(path))
        else:
            await conn.copy_to_table("copy_sub_ports", source=str(path), columns=COLUMNS,
                                     format="csv", header=True)
        return time.perf_counter() - started
    finally:
        await conn.close()


def _records(path: Path) -> list[tuple[Any, ...]]:
    with path.open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        next(reader)
        return [(*row[:8], int(row[8]), int(row[9]), int(row[10])) for row in reader]


@case("registry_import_vs_copy",
      "registry CSV import of 100,000 sub-ports on PostgreSQL vs a plain COPY of the same rows")
async def registry_import_vs_copy(ctx: Context) -> list[Verdict]:
    """IMPORT_RUNS rounds, each on a fresh database: the import through the API, then plain
    COPYs of the same file. The medians are compared: one import takes seconds and a busy
    machine moves a single run by a fifth either way, on either side."""
    imports, copies, records, failures = [], [], [], 0
    for _ in range(IMPORT_RUNS):
        seconds, failed, path, dsn = await _import_round(ctx)
        imports.append(seconds)
        failures = max(failures, failed)
        copies.append(await _copy(dsn, path))
        records.append(await _copy(dsn, path, records=True))
    seconds, copy_seconds = statistics.median(imports), statistics.median(copies)
    records_seconds = statistics.median(records)
    verdict = harness.judge("registry_import_vs_copy", _result(ROWS, seconds, failures),
                            _result(ROWS, copy_seconds, 0), budget=4.0, metric="rps")
    verdict.note = "; ".join(filter(None, [verdict.note, (
        f"median of {IMPORT_RUNS}: import runs {_rates(imports)} rows/s, COPY runs "
        f"{_rates(copies)}; copy_records_to_table {ROWS / records_seconds:.0f} rows/s, "
        f"ratio {seconds / records_seconds:.2f}")]))
    return [verdict]


async def _import_round(ctx: Context) -> tuple[float, int, Path, str]:
    """One import of ROWS rows into a fresh database: (seconds, failed rows, file, dsn)."""
    dsn = await harness.fresh_postgres(DB_NAME)
    # No body-cap override: the 14 MB file goes through the import route's own cap
    # (REGISTRY_IMPORT_MAX_BYTES, 64 MiB by default) as in production.
    env = {"REGISTRY_DATABASE_URL": harness.asyncpg_url(dsn)}
    headers = ctx.signer.headers("hq_admin", audience=["registry"])
    path = ctx.work_dir / "sub-ports.csv"
    with fake_credit(ctx.work_dir) as credit:
        env["REGISTRY_CREDIT_URL"] = credit.url
        with harness.service("registry", ctx.work_dir / "registry_import", ctx.signer,
                             extra_env=env) as svc:
            unit, handler = await _seed(svc.url, headers)
            _write_csv(path, unit, handler, ROWS)
            seconds, failed = await _import(svc.url, headers, path.read_bytes())
    return seconds, failed, path, dsn


def _rates(runs: list[float]) -> str:
    return "/".join(f"{ROWS / seconds:,.0f}" for seconds in runs)


@case("registry_get_sub_port",
      "registry GET /v1/sub-ports/{number} vs bare FastAPI GET with the same token check")
async def registry_get_sub_port(ctx: Context) -> list[Verdict]:
    headers = ctx.signer.headers("hq_admin", audience=["registry"])
    # PostgreSQL, as production runs (prod refuses SQLite, whose GETs queue on its lock).
    dsn = await harness.fresh_postgres(DB_NAME + "_get")
    with fake_credit(ctx.work_dir) as credit:
        env = {"REGISTRY_CREDIT_URL": credit.url,
               "REGISTRY_DATABASE_URL": harness.asyncpg_url(dsn)}
        with harness.baseline(ctx.work_dir, ctx.signer, audience="registry") as base, \
                harness.service("registry", ctx.work_dir / "registry_get", ctx.signer,
                                extra_env=env) as svc:
            number = await _seed_sub_port(svc.url, headers)
            # Alternating rounds: noise on a busy machine falls on both sides alike.
            full, bare = await harness.generate_pair(
                Request("GET", f"{svc.url}/v1/sub-ports/{number}", headers),
                Request("GET", base.url + "/bare", headers), ctx.load)
            # For the record, not judged: a registry without the read cache on the same
            # database, so every GET is a database read.
            with harness.service("registry", ctx.work_dir / "registry_get_uncached", ctx.signer,
                                 extra_env={**env, "REGISTRY_READ_CACHE_SECONDS": "0"}) as cold:
                uncached, bare_again = await harness.generate_pair(
                    Request("GET", f"{cold.url}/v1/sub-ports/{number}", headers),
                    Request("GET", base.url + "/bare", headers), ctx.load)
    verdict = harness.judge("registry_get_sub_port", full, bare, budget=2.0, metric="rps")
    verdict.note = "; ".join(filter(None, [
        f"answered from the read cache (the sub-port is unchanged); without it "
        f"{uncached.rps:,.0f} req/s = {bare_again.rps / uncached.rps:.2f}x", verdict.note]))
    return [verdict]


async def _seed_sub_port(url: str, headers: dict[str, str]) -> str:
    unit, handler = await _seed(url, headers)
    number = PORT + "4567"
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        created = await http.post("/v1/sub-ports", json={
            "number": number, "province": "44", "user_unit_uscc": unit,
            "handler_id": handler, "business_type": "notification"})
        if created.status_code != 201:
            raise RuntimeError(f"seeding the sub-port: {created.text}")
    return number
