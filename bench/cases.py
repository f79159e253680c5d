"""Named benchmark cases. Add one with @case: it gets a Context and returns Verdicts.

Cases may also live in their own modules named `bench/<anything>_cases.py`: `load_all()`
imports them. A case starts what it needs (harness.service / harness.baseline), measures
the baseline and the candidate with the same Load in the same run, and judges the ratio
against its budget.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench import harness
from bench.harness import Load, Request, Verdict


@dataclass
class Context:
    work_dir: Path
    signer: harness.Signer
    load: Load


CaseFn = Callable[[Context], Awaitable[list[Verdict]]]


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    run: CaseFn


CASES: dict[str, Case] = {}


def case(name: str, description: str) -> Callable[[CaseFn], CaseFn]:
    def register(fn: CaseFn) -> CaseFn:
        if name in CASES:
            raise ValueError(f"benchmark {name!r} is registered twice")
        CASES[name] = Case(name=name, description=description, run=fn)
        return fn

    return register


@case("token_check_overhead",
      "whitelist GET /v1/entries (auth + database + middleware) vs bare FastAPI + token check")
async def token_check_overhead(ctx: Context) -> list[Verdict]:
    headers = ctx.signer.headers("hq_admin", audience=["whitelist"])
    # On PostgreSQL, as production runs: on SQLite each statement waits for aiosqlite's
    # thread, which measures the GIL hand-over more than our code.
    url = harness.asyncpg_url(await harness.fresh_postgres("pt_bench_token_check"))
    with harness.baseline(ctx.work_dir, ctx.signer, audience="whitelist") as base, \
            harness.service("whitelist", ctx.work_dir / "token_check_overhead", ctx.signer,
                            extra_env={"WHITELIST_DATABASE_URL": url}) as svc:
        full, bare = await harness.generate_pair(
            Request("GET", svc.url + "/v1/entries?limit=1", headers),
            Request("GET", base.url + "/bare", headers), ctx.load)
    return [harness.judge("token_check_overhead", full, bare, budget=5.0, metric="mean")]


def load_all() -> dict[str, Case]:
    """Import every `bench/*_cases.py` module (each registers its cases) and return CASES."""
    for module in pkgutil.iter_modules([str(Path(__file__).resolve().parent)]):
        if module.name.endswith("_cases"):
            importlib.import_module(f"bench.{module.name}")
    return CASES
