"""The fuzz step of `.ci/run`: schemathesis against the four running services, real tokens.

Every operation of every service's /openapi.json is called with generated requests (valid
and invalid), as a client with every HQ role, and each answer is checked: never a 5xx, only
statuses and content types the document declares, bodies that match their declared schema,
and a request that breaks the schema refused. Bounded: PORTTRUST_FUZZ_EXAMPLES cases per
operation (default 20) and a fixed seed (PORTTRUST_FUZZ_SEED) so that a run can be replayed.
Off unless PORTTRUST_FUZZ=1 (`.ci/run` sets it): `make test` skips it. The reports (JUnit
XML and the output) go to PORTTRUST_ARTEFACTS/fuzz (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from porttrust_dev.stack import SERVICES, Stack
from tests.helpers_flows import approve_grant

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz, pytest.mark.skipif(
    os.environ.get("PORTTRUST_FUZZ") != "1",
    reason="the fuzz step runs in .ci/run (PORTTRUST_FUZZ=1)")]
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,negative_data_rejection")
# Everything but province_operator, which cannot be HQ.
ROLES = ["hq_admin", "whitelist_admin", "auditor", "enforcement", "gateway", "service"]
ROOT = Path(__file__).resolve().parents[1]
RUN_SECONDS = 240  # one service's run; the whole step stays well under 8 minutes


@pytest.fixture(scope="module")
def fuzz_token(stack: Stack, admin_token: str) -> str:
    created = httpx.post(stack.url("identity") + "/v1/clients", timeout=10,
                         headers={"Authorization": f"Bearer {admin_token}"},
                         json={"name": "fuzzer", "roles": ROLES, "province": "HQ"})
    assert created.status_code == 201, created.text
    approve_grant(stack, created)  # privileged roles wait for a second, independent admin
    client = created.json()
    issued = httpx.post(stack.url("identity") + "/v1/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": client["client_id"],
        "client_secret": client["client_secret"]})
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("PORTTRUST_ARTEFACTS")
    path = Path(chosen) / "fuzz" if chosen else tmp_path_factory.mktemp("fuzz")
    path.mkdir(parents=True, exist_ok=True)
    return path


def schemathesis_command(url: str, token: str, report: Path) -> list[str]:
    return [
        str(Path(sys.executable).with_name("schemathesis")), "run", url + "/openapi.json",
        "--header", f"Authorization: Bearer {token}", "--checks", CHECKS,
        "--max-examples", os.environ.get("PORTTRUST_FUZZ_EXAMPLES", "20"),
        "--seed", os.environ.get("PORTTRUST_FUZZ_SEED", "20261206"),
        "--workers", "1", "--request-timeout", "30", "--generation-database", "none",
        "--no-color", "--report", "junit", "--report-junit-path", str(report),
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_fuzzer_finds_nothing(stack: Stack, fuzz_token: str, artefacts: Path,
                              service: str) -> None:
    command = schemathesis_command(stack.url(service), fuzz_token,
                                   artefacts / f"{service}.junit.xml")
    result = subprocess.run(command, env=_hooks_env(), cwd=ROOT, capture_output=True,
                            text=True, timeout=RUN_SECONDS, check=False)
    (artefacts / f"{service}.txt").write_text(result.stdout + result.stderr)
    summary = result.stdout[-6000:].replace(fuzz_token, "[token]")
    assert result.returncode == 0, f"schemathesis found problems in {service}:\n{summary}"


def _hooks_env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return os.environ | {"SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": path}
