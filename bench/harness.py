"""Common pieces for benchmark cases: servers in subprocesses, a bounded load generator,
signed tokens, and the ratio-against-budget verdict."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.http_client import ConnectionPool, encode
from porttrust_dev import databases
from porttrust_dev.stack import free_ports
from porttrust_shared.tokens import generate_private_key, issue_token, public_jwk

ISSUER = "http://bench.identity"
KID = "bench-1"


def free_port() -> int:
    [port] = free_ports(1)
    return port


# ------------------------------------------------------------------------------- tokens

class Signer:
    """Signs tokens the services accept: its JWKS file is given to every server it starts."""

    def __init__(self, work_dir: Path) -> None:
        self._key = generate_private_key()
        self.jwks_file = work_dir / "jwks.json"
        self.jwks_file.write_text(json.dumps({"keys": [public_jwk(self._key, KID)]}))

    def token(self, *roles: str, audience: Sequence[str], province: str = "HQ") -> str:
        return issue_token(self._key, kid=KID, issuer=ISSUER, subject="bench", audience=audience,
                           roles=roles, province=province, lifetime=900)

    def headers(self, *roles: str, audience: Sequence[str], province: str = "HQ") -> dict[str, str]:
        return {"Authorization": "Bearer " + self.token(*roles, audience=audience,
                                                        province=province)}


# ----------------------------------------------------------------------------- databases

# The admin URL the throwaway databases are made with (porttrust_dev.databases, as the tests).
POSTGRES_ADMIN_URL = (os.environ.get("PORTTRUST_BENCH_POSTGRES_URL")
                      or os.environ.get(databases.POSTGRES_ENV) or databases.LOCAL_POSTGRES)


async def fresh_postgres(name: str) -> str:
    """A new, empty PostgreSQL database `name` (dropped first if it exists): its plain
    postgresql:// URL. Services run on PostgreSQL in production, so cases measure on it."""
    url = await databases.fresh_postgres(asyncpg_url(POSTGRES_ADMIN_URL), name)
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def drop_postgres(name: str) -> None:
    await databases.drop_databases(asyncpg_url(POSTGRES_ADMIN_URL), [name])


def asyncpg_url(url: str) -> str:
    """The URL as a service's DATABASE_URL setting takes it."""
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


# ------------------------------------------------------------------------------ servers

@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}: "
                               + server.log.read_text(errors="replace")[-2000:])
        try:
            if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer /healthz within {timeout}s")


@contextmanager
def running(name: str, argv: Sequence[str], env: Mapping[str, str], port: int, log: Path,
            timeout: float = 60.0) -> Iterator[Server]:
    """A server process for the duration of the block, stopped even when the block fails."""
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, *argv], env={**os.environ, **env},
                                   stdout=out, stderr=subprocess.STDOUT)
    server = Server(name=name, port=port, process=process, log=log)
    try:
        _wait_healthy(server, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def service(name: str, work_dir: Path, signer: Signer,
            extra_env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """One PortTrust service exactly as `python -m <name> serve` runs it (migrates first), on
    SQLite in `work_dir` unless `extra_env` names a database, trusting `signer`'s tokens.
    The database outlives the block: give a case its own `work_dir` for a fresh one."""
    work_dir.mkdir(parents=True, exist_ok=True)
    prefix, port = name.upper() + "_", free_port()
    env = {prefix + "HOST": "127.0.0.1", prefix + "PORT": str(port),
           prefix + "ENVIRONMENT": "test", prefix + "VAR_DIR": str(work_dir),
           prefix + "ISSUER": ISSUER, prefix + "JWKS_FILE": str(signer.jwks_file),
           **(extra_env or {})}
    with running(name, ["-m", name, "serve"], env, port, work_dir / f"{name}.log") as server:
        yield server


@contextmanager
def baseline(work_dir: Path, signer: Signer, audience: str) -> Iterator[Server]:
    """The bare FastAPI endpoint with the same token check (bench/baseline.py)."""
    port = free_port()
    argv = ["-m", "uvicorn", "--factory", "bench.baseline:create_app", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--no-access-log"]
    env = {"BENCH_JWKS_FILE": str(signer.jwks_file), "BENCH_ISSUER": ISSUER,
           "BENCH_AUDIENCE": audience}
    with running("baseline", argv, env, port, work_dir / "baseline.log") as server:
        yield server


# ------------------------------------------------------------------------- load generator

@dataclass(frozen=True)
class Load:
    """How hard to push: `requests` measured after `warmup`, `concurrency` in flight, and a
    wall-clock cap so a slow target ends the run instead of hanging it."""

    requests: int = 2000
    concurrency: int = 4
    max_seconds: float = 30.0
    warmup: int = 100


@dataclass
class LoadResult:
    requests: int
    unexpected: int
    statuses: dict[str, int]
    seconds: float
    rps: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    truncated: bool = False

    def metric(self, name: str) -> float:
        value: float = getattr(self, name if name == "rps" else f"{name}_ms")
        return value


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def summarise(latencies: Sequence[float], statuses: Counter[int], expected: set[int],
              seconds: float, truncated: bool) -> LoadResult:
    ordered = sorted(latencies)
    ms = [value * 1000 for value in ordered]
    return LoadResult(
        requests=len(ms), unexpected=sum(n for s, n in statuses.items() if s not in expected),
        statuses={str(s): n for s, n in sorted(statuses.items())}, seconds=round(seconds, 3),
        rps=round(len(ms) / seconds, 1) if seconds else 0.0,
        mean_ms=round(statistics.fmean(ms), 3) if ms else float("nan"),
        p50_ms=round(_percentile(ms, 0.50), 3), p95_ms=round(_percentile(ms, 0.95), 3),
        p99_ms=round(_percentile(ms, 0.99), 3), truncated=truncated,
    )


@dataclass
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    expected: frozenset[int] = frozenset({200})


async def generate(request: Request, load: Load) -> LoadResult:
    """Send `load.warmup` unmeasured requests, then up to `load.requests` measured ones with
    `load.concurrency` in flight, stopping early at `load.max_seconds`."""
    async with ConnectionPool(load.concurrency) as client:
        await _drive(client, request, load.warmup, load.concurrency, load.max_seconds, [],
                     Counter())
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        started = time.perf_counter()
        truncated = await _drive(client, request, load.requests, load.concurrency,
                                 load.max_seconds, latencies, statuses)
        elapsed = time.perf_counter() - started
    return summarise(latencies, statuses, set(request.expected), elapsed, truncated)


async def generate_pair(candidate: Request, baseline: Request, load: Load,
                        rounds: int = 4) -> tuple[LoadResult, LoadResult]:
    """Measure both sides in alternating rounds (baseline, candidate, baseline, ...), each round
    `load.requests // rounds` requests, so a burst of noise on the machine lands on both sides
    rather than on one. Both servers must be running. Returns (candidate, baseline)."""
    per_round = max(1, load.requests // rounds)
    sides = {"candidate": candidate, "baseline": baseline}
    latencies: dict[str, list[float]] = {name: [] for name in sides}
    statuses: dict[str, Counter[int]] = {name: Counter() for name in sides}
    seconds = dict.fromkeys(sides, 0.0)
    truncated = dict.fromkeys(sides, False)
    async with ConnectionPool(load.concurrency) as client:
        for request in (baseline, candidate):
            await _drive(client, request, load.warmup, load.concurrency, load.max_seconds, [],
                         Counter())
        for _ in range(rounds):
            for name in ("baseline", "candidate"):
                started = time.perf_counter()
                truncated[name] |= await _drive(client, sides[name], per_round, load.concurrency,
                                                load.max_seconds / rounds, latencies[name],
                                                statuses[name])
                seconds[name] += time.perf_counter() - started
    cand, base = (summarise(latencies[n], statuses[n], set(sides[n].expected), seconds[n],
                            truncated[n]) for n in ("candidate", "baseline"))
    return cand, base


async def _drive(client: ConnectionPool, request: Request, total: int, concurrency: int,
                 max_seconds: float, latencies: list[float], statuses: Counter[int]) -> bool:
    deadline = time.perf_counter() + max_seconds
    remaining = [total]
    target, raw = encode(request.method, request.url, request.headers, request.json)

    async def worker(slot: int) -> None:
        while remaining[0] > 0 and time.perf_counter() < deadline:
            remaining[0] -= 1
            sent = time.perf_counter()
            status = await client.send(slot, target, raw)
            latencies.append(time.perf_counter() - sent)
            statuses[status] += 1

    await asyncio.gather(*(worker(n) for n in range(max(1, min(concurrency, total)))))
    return remaining[0] > 0


# ------------------------------------------------------------------------------- verdict

@dataclass
class Verdict:
    case: str
    metric: str
    budget: float
    ratio: float
    passed: bool
    candidate: LoadResult
    baseline: LoadResult
    note: str = ""

    def line(self) -> str:
        mark = "PASS" if self.passed else "FAIL"
        how = "x slower" if self.metric != "rps" else "x less throughput"
        return (f"{mark}  {self.case:<28} {self.metric}: {self.ratio:6.2f}{how} than baseline "
                f"(budget {self.budget:.2f})  candidate {self.candidate.metric(self.metric):.2f}"
                f" vs baseline {self.baseline.metric(self.metric):.2f}"
                + (f"  [{self.note}]" if self.note else ""))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge(case: str, candidate: LoadResult, baseline: LoadResult, *, budget: float,
          metric: str = "p50") -> Verdict:
    """ratio = how many times worse the candidate is than the baseline on `metric` (latency:
    candidate/baseline; rps: baseline/candidate). PASS when ratio <= budget and every measured
    request got an expected status and the run was not cut short by the time cap."""
    cand, base = candidate.metric(metric), baseline.metric(metric)
    ratio = base / cand if metric == "rps" else cand / base
    problems = []
    if candidate.unexpected or baseline.unexpected:
        problems.append(f"unexpected statuses: candidate {candidate.statuses}, "
                        f"baseline {baseline.statuses}")
    if candidate.truncated or baseline.truncated:
        problems.append("time cap reached before all requests were sent")
    passed = ratio <= budget and not problems
    return Verdict(case=case, metric=metric, budget=budget, ratio=round(ratio, 3),
                   passed=passed, candidate=candidate, baseline=baseline,
                   note="; ".join(problems))
