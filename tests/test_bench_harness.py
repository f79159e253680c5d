"""The benchmark harness itself: bounded load, the baseline's token check, the verdict."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench import harness
from bench.harness import Load, LoadResult, Request


def result(p50: float = 1.0, rps: float = 100.0, unexpected: int = 0) -> LoadResult:
    return LoadResult(requests=10, unexpected=unexpected, statuses={"200": 10}, seconds=0.1,
                      rps=rps, mean_ms=p50, p50_ms=p50, p95_ms=p50, p99_ms=p50)


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> harness.Signer:
    return harness.Signer(tmp_path_factory.mktemp("bench-signer"))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory,
             signer: harness.Signer) -> Iterator[harness.Server]:
    with harness.baseline(tmp_path_factory.mktemp("bench"), signer, audience="registry") as srv:
        yield srv


def test_judge_passes_a_ratio_within_budget() -> None:
    verdict = harness.judge("c", result(p50=3.0), result(p50=1.0), budget=3.0)
    assert verdict.ratio == 3.0
    assert verdict.passed


def test_judge_fails_a_ratio_over_budget() -> None:
    assert not harness.judge("c", result(p50=3.1), result(p50=1.0), budget=3.0).passed


def test_judge_fails_when_requests_got_unexpected_statuses() -> None:
    verdict = harness.judge("c", result(unexpected=1), result(), budget=10.0)
    assert not verdict.passed
    assert "unexpected statuses" in verdict.note


def test_judge_takes_throughput_ratio_as_baseline_over_candidate() -> None:
    assert harness.judge("c", result(rps=50), result(rps=100), budget=2, metric="rps").ratio == 2


def test_summary_counts_statuses_outside_the_expected_set() -> None:
    summary = harness.summarise([0.001] * 3, Counter({200: 2, 500: 1}), {200}, 1.0, False)
    assert summary.unexpected == 1


async def test_load_sends_exactly_the_requested_count(baseline: harness.Server,
                                                      signer: harness.Signer) -> None:
    request = Request("GET", baseline.url + "/bare", signer.headers("gateway",
                                                                     audience=["registry"]))
    measured = await harness.generate(request, Load(requests=37, concurrency=5, warmup=3))
    assert measured.requests == 37
    assert measured.statuses == {"200": 37}
    assert not measured.truncated


async def test_paired_load_measures_both_sides_in_rounds(baseline: harness.Server,
                                                         signer: harness.Signer) -> None:
    headers = signer.headers("gateway", audience=["registry"])
    candidate, base = await harness.generate_pair(
        Request("GET", baseline.url + "/bare", headers), Request("GET", baseline.url + "/healthz"),
        Load(requests=40, concurrency=3, warmup=2), rounds=4)
    assert (candidate.requests, base.requests) == (40, 40)
    assert candidate.statuses == base.statuses == {"200": 40}


async def test_load_stops_at_the_time_cap(baseline: harness.Server) -> None:
    request = Request("GET", baseline.url + "/healthz")
    measured = await harness.generate(request, Load(requests=10**9, concurrency=2,
                                                    max_seconds=0.3, warmup=0))
    assert measured.truncated
    assert measured.requests < 10**9


def test_baseline_refuses_a_token_for_another_audience(baseline: harness.Server,
                                                       signer: harness.Signer) -> None:
    headers = signer.headers("gateway", audience=["credit"])
    response = httpx.get(baseline.url + "/bare", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_baseline_accepts_a_token_for_its_audience(baseline: harness.Server,
                                                   signer: harness.Signer) -> None:
    headers = signer.headers("gateway", audience=["registry"])
    assert httpx.get(baseline.url + "/bare", headers=headers, timeout=5).status_code == 200


def test_results_directory_is_git_ignored() -> None:
    ignored = (Path(__file__).resolve().parents[1] / ".gitignore").read_text().splitlines()
    assert "bench/results/" in ignored
