"""The back-fill deadline sweep (issue 8) against one plain set-based UPDATE of the same rows.

100,000 live sub-ports of province 44 are imported (`status: active`), every other one
without its machine room; whitelist is a stub that protects every number ending in 7. The
sweep is timed through `POST /v1/backfill/enforcement` (the code the background sweep runs):
candidates, whitelist batches of 1,000 over loopback HTTP, the UPDATE, versions, transitions
and an audit entry per suspension. The baseline is one `UPDATE ... WHERE number = ANY(...)`
of the numbers it suspended, on a copy of the table taken just before (same indexes).
"""

from __future__ import annotations

import csv
import os
import statistics
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from bench import harness
from bench.cases import Context, case
from bench.harness import LoadResult, Verdict
from bench.registry_cases import PORT, _import, _seed, fake_credit, stub_server
from porttrust_dev import testdata
from registry.service.agreements import REQUIRED_CLAUSES

ROWS = int(os.environ.get("PORTTRUST_BENCH_SWEEP_ROWS", "100000"))
RUNS = int(os.environ.get("PORTTRUST_BENCH_SWEEP_RUNS", "3"))
DB_NAME = "pt_bench_sweep"
COLUMNS = ["number", "province", "user_unit_uscc", "handler_id", "business_type", "purpose",
           "machine_room", "equipment", "status"]


def fake_whitelist_app() -> FastAPI:
    """whitelist's POST /v1/status/batch: numbers ending in 7 are whitelisted."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/status/batch")
    async def batch(body: dict[str, Any]) -> dict[str, Any]:
        return {"results": [{"number": n, "whitelisted": n.endswith("7")}
                            for n in body["numbers"]]}

    return app


def fake_whitelist(work_dir: Path) -> Any:
    return stub_server(work_dir, "whitelist-stub", "bench.backfill_cases:fake_whitelist_app")


async def _complete_parties(url: str, headers: dict[str, str], unit: str,
                            handler: str) -> None:
    """The handler verified and the unit's service agreement with the port's holder: what a
    record needs beyond its own fields to be complete."""
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        verified = await http.post(f"/v1/handlers/{handler}/verify")
        signed = await http.post(f"/v1/organizations/{unit}/agreements", json={
            "kind": "service", "counterparty_uscc": testdata.uscc(1),
            "signed_at": "2026-03-01T00:00Z",
            "document_ref": "bench", "clauses": sorted(REQUIRED_CLAUSES["service"])})
    for response in (verified, signed):
        if response.status_code not in (200, 201):
            raise RuntimeError(f"seeding: {response.status_code} {response.text[:300]}")


def _write_csv(path: Path, unit: str, handler: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for n in range(ROWS):
            room = "" if n % 2 else "广州南方基地A3"  # every other record lacks its room
            writer.writerow([f"{PORT}{n:07d}", "44", unit, handler, "notification",
                             "订单发货通知", room, "SMSC-GZ-07", "active"])


def _result(seconds: float, rows: int) -> LoadResult:
    ms = seconds * 1000
    return LoadResult(requests=1, unexpected=0, statuses={"rows": rows},
                      seconds=round(seconds, 3), rps=round(rows / seconds, 1), mean_ms=ms,
                      p50_ms=ms, p95_ms=ms, p99_ms=ms)


async def _copy_table(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE IF EXISTS sweep_copy")
        await conn.execute("CREATE TABLE sweep_copy (LIKE sub_ports INCLUDING ALL)")
        await conn.execute("INSERT INTO sweep_copy SELECT * FROM sub_ports")
        await conn.execute("ANALYZE sweep_copy")
    finally:
        await conn.close()


async def _plain_update(dsn: str, numbers: list[str]) -> float:
    """One set-based UPDATE of the same rows, as a hand-written statement would do it."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        await conn.execute(
            "UPDATE sweep_copy SET status = 'suspended', status_reason = 'backfill_deadline', "
            "version = version + 1, updated_at = now() "
            "WHERE number = ANY(string_to_array($1, ',')) AND status = 'active'",
            ",".join(numbers))
        return time.perf_counter() - started
    finally:
        await conn.close()


async def _sweep(url: str, headers: dict[str, str]) -> tuple[float, list[str], int]:
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600) as http:
        started = time.perf_counter()
        response = await http.post("/v1/backfill/enforcement", json={
            "province": "44", "deadline": "2026-01-01T00:00:00Z"})
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"sweep: {response.status_code} {response.text[:500]}")
    body = response.json()
    return elapsed, body["suspended"], int(body["exempted_count"])


async def _round(ctx: Context) -> tuple[float, float, int, int]:
    """(sweep seconds, UPDATE seconds, suspended, exempted) on a fresh database."""
    dsn = await harness.fresh_postgres(DB_NAME)
    headers = ctx.signer.headers("hq_admin", audience=["registry"])
    path = ctx.work_dir / "live-stock.csv"
    with fake_credit(ctx.work_dir) as credit, fake_whitelist(ctx.work_dir) as whitelist:
        env = {"REGISTRY_DATABASE_URL": harness.asyncpg_url(dsn),
               "REGISTRY_CREDIT_URL": credit.url, "REGISTRY_WHITELIST_URL": whitelist.url}
        with harness.service("registry", ctx.work_dir / "registry_sweep", ctx.signer,
                             extra_env=env) as svc:
            unit, handler = await _seed(svc.url, headers)
            await _complete_parties(svc.url, headers, unit, handler)
            _write_csv(path, unit, handler)
            _, failed = await _import(svc.url, headers, path.read_bytes())
            if failed:
                raise RuntimeError(f"{failed} live rows failed to import")
            await _copy_table(dsn)
            seconds, suspended, exempted = await _sweep(svc.url, headers)
    update_seconds = await _plain_update(dsn, suspended)
    await harness.drop_postgres(DB_NAME)
    return seconds, update_seconds, len(suspended), exempted


@case("backfill_sweep",
      "deadline sweep of 100,000 live sub-ports (half incomplete) vs one plain UPDATE of them")
async def backfill_sweep(ctx: Context) -> list[Verdict]:
    sweeps, updates, counts = [], [], (0, 0)
    for _ in range(RUNS):
        seconds, update_seconds, *counts_ = await _round(ctx)
        sweeps.append(seconds)
        updates.append(update_seconds)
        counts = (counts_[0], counts_[1])
    sweep, update = statistics.median(sweeps), statistics.median(updates)
    verdict = harness.judge("backfill_sweep", _result(sweep, counts[0]),
                            _result(update, counts[0]), budget=10.0, metric="mean")
    verdict.note = "; ".join(filter(None, [verdict.note, (
        f"median of {RUNS}: sweep {'/'.join(f'{s:.2f}' for s in sweeps)} s, UPDATE "
        f"{'/'.join(f'{u:.2f}' for u in updates)} s; {counts[0]:,} suspended, "
        f"{counts[1]:,} whitelisted left live")]))
    return [verdict]
