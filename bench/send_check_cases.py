"""Send-check benchmarks on PostgreSQL: one check, and batches of 1,000 messages over 1,000
sub-ports with 50 approved templates each and 1,000,000 opt-outs on file, 90 % of messages
matching. Both are judged against the bare authenticated POST with the single check's body
(bench/baseline.py). Found by bench.cases.load_all().

The records are written straight into the migrated database with COPY (seeding 50,000
templates through the API would take longer than the measurement); the phones' blind indexes
are computed with the service's (development) key, so the service finds the opt-outs.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import asyncpg

from bench import harness
from bench.cases import Context, case
from bench.harness import Load, Request, Verdict
from porttrust_shared.pii import PiiCipher
from porttrust_shared.settings import DEV_INDEX_KEY, DEV_PII_KEY

SUB_PORTS = int(os.environ.get("PORTTRUST_BENCH_SUB_PORTS", "1000"))
TEMPLATES = int(os.environ.get("PORTTRUST_BENCH_TEMPLATES", "50"))
OPT_OUTS = int(os.environ.get("PORTTRUST_BENCH_OPT_OUTS", "1000000"))
BATCH, MATCHING, MEMORY_BUDGET_MB = 1000, 0.9, 400
DB_NAME = "pt_bench_send_check"
ASYNC_COMMIT = "REGISTRY_SEND_LOG_SYNCHRONOUS_COMMIT"
NOW = dt.datetime.now(dt.UTC)
CIPHER = PiiCipher(f"dev1:{DEV_PII_KEY}", DEV_INDEX_KEY)
# Fifty distinct openings, so a sub-port's templates differ from their first characters on,
# as real ones do ("您的验证码", "您的订单", ...): 10 × 5.
_WHO = ["尊敬的客户", "您好", "亲爱的会员", "温馨提示", "通知"]
_WHAT = ["您的验证码是{code:digits:6}，{m:digits:2}分钟内有效，请勿泄露。",
         "您的订单{order:digits:12}已于{day:date}发货，快递单号{no:text:20}。",
         "您尾号{tail:digits:4}的账户于{day:date}支出{amount:amount}元。",
         "您预约的{item:text:10}将于{day:date}到期，请及时处理。",
         "您的账单已出，应还{amount:amount}，最后还款日{day:date}。",
         "您的快递已到{place:text:12}，取件码{code:digits:6}。",
         "您的积分{points:digits:8}将于{day:date}过期。",
         "您的话费余额{amount:amount}，请及时充值。",
         "您申请的{item:text:10}已审核通过，编号{ref:digits:10}。",
         "客服热线{tel:phone}，工作时间每天8:00-22:00。"]
_VALUES = {"code": "123456", "m": "5", "order": "202612060001", "day": "2026-12-06",
           "no": "SF1234567890", "tail": "1234", "amount": "88.50", "item": "体检套餐",
           "place": "南门驿站", "points": "1200", "tel": "95588", "ref": "1234567890"}


_VARIABLE = re.compile(r"\{(\w+):[^}]*\}")


def sub_port(n: int) -> str:
    return f"10690{n // 1000:03d}{n % 1000:04d}"


def template_text(n: int, t: int) -> str:
    return f"【企业{n:04d}】{_WHO[t // 10 % 5]}，{_WHAT[t % 10]}"


def message(n: int, t: int, matching: bool) -> str:
    text = _VARIABLE.sub(lambda found: _VALUES[found.group(1)], template_text(n, t))
    return text if matching else text.replace("，", "：", 1) + "详询门店"


def phone(k: int) -> str:
    return f"13{k % 10}{k:08d}"[-11:]


async def seed(dsn: str) -> None:
    """1,000 active sub-ports, 50 approved templates each, 1,000,000 opt-outs."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("sub_ports", columns=[
            "number", "port_number", "province", "status", "business_type", "whitelisted",
            "version", "created_at", "updated_at"], records=[
            (sub_port(n), sub_port(n)[:8], "44", "active", "notification", False, 1, NOW, NOW)
            for n in range(SUB_PORTS)])
        await conn.copy_records_to_table("message_templates", columns=[
            "id", "sub_port_number", "province", "text", "kind", "allowed_domains", "status",
            "created_by", "version", "created_at", "updated_at"], records=[
            (f"t{n:05d}{t:03d}", sub_port(n), "44", template_text(n, t), "notification", "[]",
             "approved", "bench", 1, NOW, NOW) for n in range(SUB_PORTS) for t in range(TEMPLATES)])
        per = max(1, OPT_OUTS // SUB_PORTS)
        await conn.copy_records_to_table("opt_outs", columns=[
            "sub_port_number", "phone_index", "phone_enc", "keyword", "mo_message_id",
            "received_at", "created_at"], records=(
            (sub_port(n), CIPHER.blind_index(phone(n * per + k), field="phone"), "-", "td",
             "-", NOW, NOW) for n in range(SUB_PORTS) for k in range(per)))
    finally:
        await conn.close()


def batch_body(seed_value: int) -> dict[str, object]:
    rng = random.Random(seed_value)
    per = max(1, OPT_OUTS // SUB_PORTS)
    checks = []
    for _ in range(BATCH):
        n, t = rng.randrange(SUB_PORTS), rng.randrange(TEMPLATES)
        # One recipient in a hundred is one who opted out of that sub-port.
        opted = rng.random() < 0.01
        k = n * per + rng.randrange(per) if opted else 10**8 - 1 - rng.randrange(10**7)
        checks.append({"sub_port": sub_port(n), "recipient": phone(k),
                       "content": message(n, t, rng.random() < MATCHING)})
    return {"checks": checks}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _measure(ctx: Context, batch: bool) -> list[Verdict]:
    dsn = await harness.fresh_postgres(DB_NAME)
    headers = ctx.signer.headers("gateway", audience=["registry"])
    one = {"sub_port": sub_port(7), "recipient": phone(10**8 - 5), "content": message(7, 3, True)}
    env = {"REGISTRY_DATABASE_URL": harness.asyncpg_url(dsn)}
    try:
        with harness.baseline(ctx.work_dir, ctx.signer, audience="registry") as base, \
                harness.service("registry", ctx.work_dir / "send_check", ctx.signer,
                                extra_env=env) as svc:
            await seed(dsn)
            before = rss_mb(svc.process.pid)
            path = "/v1/send-checks/batch" if batch else "/v1/send-checks"
            body = batch_body(1) if batch else one
            candidate = Request("POST", svc.url + path, headers, body)
            bare_request = Request("POST", base.url + "/bare", headers, one)
            if batch:
                full, bare, cpu = await _alternate(candidate, bare_request, ctx.load,
                                                   lambda: cpu_seconds(svc.process.pid))
            else:  # as long as the batch case's bare side (`BARE`), for the same reason
                started = cpu_seconds(svc.process.pid)
                full, bare = await harness.generate_pair(candidate, bare_request, replace(
                    ctx.load, requests=ctx.load.requests * BARE))
                cpu = cpu_seconds(svc.process.pid) - started  # idle during the bare rounds
            after = rss_mb(svc.process.pid)
            if not batch:  # for the record, not judged: commits that do not wait for the disk
                with harness.service("registry", ctx.work_dir / "send_check_async", ctx.signer,
                                     extra_env={**env, ASYNC_COMMIT: "false"}) as fast:
                    unwaited, bare_again = await harness.generate_pair(
                        Request("POST", fast.url + path, headers, body), bare_request, ctx.load)
    finally:
        await harness.drop_postgres(DB_NAME)
    verdict = _verdict(batch, full, bare, before, after)
    if batch:  # CPU, unlike wall time, hardly depends on what else the machine runs
        verdict.note += (f"; registry CPU {cpu * 1000 / max(1, full.requests):.0f} ms a batch "
                         f"({cpu * 1e6 / max(1, full.requests * BATCH):.0f} µs a message)")
    if not batch:  # the registry's CPU over both sides' rounds, per check it answered
        verdict.note = "; ".join(filter(None, [verdict.note, (
            f"registry CPU {cpu * 1e6 / max(1, full.requests):.0f} µs a check"), (
            f"with {ASYNC_COMMIT}=false {unwaited.rps:,.0f} req/s = "
            f"{bare_again.rps / unwaited.rps:.2f}x (not judged)")]))
    return [verdict]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Batches measured for every 1,000 requests of the load (120 by default, about 2 s), and bare
# requests for every one (6,000, about 1 s; the single check's sides as many): 40 batches and
# 2,000 bare requests had moved the ratio by ±15 % from one run to the next.
BATCHES, BARE = 60, 3


async def _alternate(batch: Request, bare: Request, load: Load, cpu: Callable[[], float],
                     rounds: int = 4) -> tuple[harness.LoadResult, harness.LoadResult, float]:
    """Alternating rounds, as generate_pair, but with counts of their own: a batch takes
    hundreds of times a bare request, so each side gets about the same wall-clock time, and
    both run long enough (`BATCHES`, `BARE`) that a round's start and end (fewer than four
    batches in flight) and a moment's noise on the machine move the ratio little. Also the
    CPU seconds the service spent on the measured batches (`cpu`: its clock)."""
    batch_load = Load(requests=max(rounds, load.requests * BATCHES // 1000),
                      concurrency=load.concurrency, max_seconds=load.max_seconds * 4,
                      warmup=max(2, load.warmup * BATCHES // 1000))
    bare_load = Load(requests=load.requests * BARE, concurrency=load.concurrency,
                     max_seconds=load.max_seconds, warmup=0)
    sides: dict[str, list[harness.LoadResult]] = {"batch": [], "bare": []}
    await harness.generate(batch, Load(requests=1, concurrency=1, warmup=batch_load.warmup))
    spent = 0.0
    for _ in range(rounds):
        sides["bare"].append(await harness.generate(bare, _share(bare_load, rounds)))
        started = cpu()
        sides["batch"].append(await harness.generate(batch, _share(batch_load, rounds)))
        spent += cpu() - started
    return _merged(sides["batch"]), _merged(sides["bare"]), spent


def _share(load: Load, rounds: int) -> Load:
    return Load(requests=max(1, load.requests // rounds), concurrency=load.concurrency,
                max_seconds=load.max_seconds / rounds, warmup=0)


def _merged(parts: list[harness.LoadResult]) -> harness.LoadResult:
    requests, seconds = sum(p.requests for p in parts), sum(p.seconds for p in parts)
    statuses: dict[str, int] = {}
    for part in parts:
        for status, count in part.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return harness.LoadResult(
        requests=requests, unexpected=sum(p.unexpected for p in parts), statuses=statuses,
        seconds=round(seconds, 3), rps=round(requests / seconds, 2) if seconds else 0.0,
        mean_ms=round(sum(p.mean_ms * p.requests for p in parts) / max(1, requests), 3),
        p50_ms=max(p.p50_ms for p in parts), p95_ms=max(p.p95_ms for p in parts),
        p99_ms=max(p.p99_ms for p in parts), truncated=any(p.truncated for p in parts))


def _verdict(batch: bool, full: harness.LoadResult, bare: harness.LoadResult, before: float,
             after: float) -> Verdict:
    if not batch:
        verdict = harness.judge("send_check_single", full, bare, budget=2.0, metric="rps")
        verdict.note = "; ".join(filter(None, [verdict.note, f"registry RSS {after:.0f} MB"]))
        return verdict
    # ≥ 10 messages/s per bare request/s: bare rps / batch rps ≤ BATCH / 10.
    verdict = harness.judge("send_check_batch", full, bare, budget=BATCH / 10, metric="rps")
    messages = full.rps * BATCH
    notes = [f"{messages:,.0f} messages/s = {messages / bare.rps:.1f} per bare request/s "
             f"(budget 10); registry RSS {before:.0f} MB seeded, {after:.0f} MB with "
             f"{SUB_PORTS} sub-ports x {TEMPLATES} templates and {OPT_OUTS:,} opt-outs in "
             f"memory (budget {MEMORY_BUDGET_MB} MB)", verdict.note]
    if after > MEMORY_BUDGET_MB:
        verdict.passed = False
        notes.append("memory over budget")
    verdict.note = "; ".join(filter(None, notes))
    return verdict


@case("send_check_single",
      "registry POST /v1/send-checks vs the bare authenticated POST with the same body")
async def send_check_single(ctx: Context) -> list[Verdict]:
    return await _measure(ctx, batch=False)


@case("send_check_batch",
      "registry POST /v1/send-checks/batch of 1,000 messages (1,000 sub-ports x 50 templates, "
      "1,000,000 opt-outs, 90% matching) vs the bare authenticated POST")
async def send_check_batch(ctx: Context) -> list[Verdict]:
    return await _measure(ctx, batch=True)
