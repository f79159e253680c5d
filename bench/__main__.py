"""`python -m bench [NAME ...]`: run benchmark cases, print ratios, write bench/results/*.json.

Exit status 1 when any case FAILs its budget or crashes, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import platform
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from bench import harness
from bench.cases import Context, load_all
from bench.harness import Load, Verdict

RESULTS = Path(__file__).resolve().parent / "results"
CASES = load_all()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="cases to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--requests", type=int, default=Load.requests)
    parser.add_argument("--concurrency", type=int, default=Load.concurrency)
    parser.add_argument("--max-seconds", type=float, default=Load.max_seconds,
                        help="wall-clock cap per measurement")
    parser.add_argument("--warmup", type=int, default=Load.warmup)
    return parser


async def _run(names: list[str], load: Load, work_dir: Path,
               ) -> tuple[list[Verdict], dict[str, str]]:
    """Run each case; one that crashes is reported as an error and the others still run."""
    ctx = Context(work_dir=work_dir, signer=harness.Signer(work_dir), load=load)
    verdicts: list[Verdict] = []
    errors: dict[str, str] = {}
    for name in names:
        print(f"running {name} ...", flush=True)
        try:
            results = await CASES[name].run(ctx)
        except Exception as exc:
            errors[name] = "".join(traceback.format_exception_only(exc)).strip()
            print(f"ERROR {name:<28} {errors[name]}", flush=True)
            continue
        for verdict in results:
            print(verdict.line(), flush=True)
            verdicts.append(verdict)
    return verdicts, errors


def _write(verdicts: list[Verdict], errors: dict[str, str], load: Load) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    body: dict[str, Any] = {
        "at": stamp, "python": platform.python_version(), "machine": platform.machine(),
        "load": load.__dict__, "results": [v.as_dict() for v in verdicts], "errors": errors,
    }
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(body, indent=2))
    return path


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for case in CASES.values():
            print(f"{case.name:<28} {case.description}")
        return 0
    unknown = [n for n in args.names if n not in CASES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; try --list", file=sys.stderr)
        return 2
    load = Load(requests=args.requests, concurrency=args.concurrency,
                max_seconds=args.max_seconds, warmup=args.warmup)
    with tempfile.TemporaryDirectory(prefix="porttrust-bench-") as tmp:
        verdicts, errors = asyncio.run(_run(args.names or list(CASES), load, Path(tmp)))
    path = _write(verdicts, errors, load)
    failed = sum(not v.passed for v in verdicts)
    print(f"\n{len(verdicts) - failed} passed, {failed} failed, {len(errors)} errors; "
          f"results in {path}")
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
