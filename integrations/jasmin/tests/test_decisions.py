"""The interceptors' decisions against a real HTTP server standing in for PortTrust's routes:
token caching and renewal, refusals, the closed fail policy, the whitelist copy, multipart."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from porttrust_jasmin.client import Client, Config, Refused, Unavailable
from porttrust_jasmin.interceptors import (
    ESME_RSUBMITFAIL,
    ESME_RX_T_APPN,
    PASS,
    Runtime,
    decide,
    idempotency_key,
)
from porttrust_jasmin.whitelist import WhitelistCopy


@dataclass
class Fake:
    """What the server answers, and what it was asked."""
    check: tuple[int, dict[str, Any]] = (200, {"allowed": True, "reasons": []})
    whitelisted: set[str] = field(default_factory=set)
    token_calls: int = 0
    checks: list[dict[str, Any]] = field(default_factory=list)
    expire_next_token: bool = False


def handler_for(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def answer(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/v1/token":
                fake.token_calls += 1
                return self.answer(200, {"access_token": f"t{fake.token_calls}",
                                         "expires_in": 900})
            issued = {f"Bearer t{n}" for n in range(1, fake.token_calls + 1)}
            if self.headers["Authorization"] not in issued or fake.expire_next_token:
                fake.expire_next_token = False
                return self.answer(401, {"title": "expired"})
            if self.path == "/v1/status/batch":
                numbers = json.loads(body)["numbers"]
                return self.answer(200, {"results": [
                    {"number": n, "whitelisted": n in fake.whitelisted} for n in numbers]})
            fake.checks.append(json.loads(body))
            return self.answer(*fake.check)
    return Handler


@pytest.fixture
def fake() -> Iterator[tuple[Fake, str]]:
    state = Fake()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


RUNTIMES: list[Runtime] = []


@pytest.fixture(autouse=True)
def _stop_whitelist_threads() -> Iterator[None]:
    yield
    while RUNTIMES:
        RUNTIMES.pop().whitelist.close()


def runtime_for(url: str, tmp_path: Path, **env: str) -> Runtime:
    config = Config.from_env({
        "PORTTRUST_IDENTITY_URL": url, "PORTTRUST_REGISTRY_URL": url,
        "PORTTRUST_WHITELIST_URL": url, "PORTTRUST_CLIENT_ID": "gw",
        "PORTTRUST_CLIENT_SECRET": "s", "PORTTRUST_TIMEOUT_SECONDS": "2", **env})
    client = Client(config)
    runtime = Runtime(config, client, WhitelistCopy(client, path=str(tmp_path / "copy.json")))
    RUNTIMES.append(runtime)
    return runtime


@dataclass
class Pdu:
    params: dict[str, Any]


def pdu(text: str, **params: Any) -> Pdu:
    return Pdu({"short_message": text.encode("utf-16-be"), "data_coding": 8, **params})


def test_one_token_serves_many_checks(fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    rt = runtime_for(url, tmp_path)
    for _ in range(3):
        assert decide(rt, sub_port="1069012301", recipient="13912345678", pdu=pdu("hi")).allowed
    assert state.token_calls == 1
    assert state.checks[0] == {"sub_port": "1069012301", "recipient": "13912345678",
                               "content": "hi"}


def test_a_rejected_token_is_renewed_once(fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    client = runtime_for(url, tmp_path).client  # no whitelist thread racing for the flag
    client.post(url + "/v1/send-checks", {})
    state.expire_next_token = True
    assert client.post(url + "/v1/send-checks", {})["allowed"]
    assert state.token_calls == 2


def test_a_refusal_carries_porttrusts_reasons(fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    state.check = (200, {"allowed": False, "reasons": ["recipient_opted_out"]})
    decision = decide(runtime_for(url, tmp_path), sub_port="1069012301",
                      recipient="13912345678", pdu=pdu("hi"))
    assert (decision.allowed, decision.reasons, decision.by) == (
        False, ("recipient_opted_out",), "porttrust")


def test_a_server_error_fails_closed(fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    state.check = (503, {"title": "down"})
    decision = decide(runtime_for(url, tmp_path), sub_port="1069012301",
                      recipient="13912345678", pdu=pdu("hi"))
    assert (decision.allowed, decision.by) == (False, "fail_closed")


def test_nothing_listening_fails_closed_unless_policy_is_open(tmp_path: Path) -> None:
    closed = runtime_for("http://127.0.0.1:9", tmp_path)
    opened = runtime_for("http://127.0.0.1:9", tmp_path, PORTTRUST_FAIL_POLICY="open")
    assert decide(closed, sub_port="1069012301", recipient="13912345678", pdu=pdu("x")).by == (
        "fail_closed")
    assert decide(opened, sub_port="1069012301", recipient="13912345678", pdu=pdu("x")).allowed


def test_the_whitelist_copy_lets_a_protected_number_through_an_outage(
        fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    state.whitelisted = {"1069912001"}
    rt = runtime_for(url, tmp_path)
    rt.whitelist.seen("1069912001")
    rt.whitelist.seen("1069012301")
    assert rt.whitelist.refresh()
    state.check = (502, {"title": "bad gateway"})

    protected = decide(rt, sub_port="1069912001", recipient="13912345678", pdu=pdu("警报"))
    ordinary = decide(rt, sub_port="1069012301", recipient="13912345678", pdu=pdu("hi"))
    assert (protected.allowed, protected.by) == (True, "whitelist_copy")
    assert (ordinary.allowed, ordinary.by) == (False, "fail_closed")


def test_the_whitelist_copy_survives_a_restart(fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    state.whitelisted = {"1069912001"}
    first = runtime_for(url, tmp_path)
    first.whitelist.seen("1069912001")
    assert first.whitelist.refresh()

    again = WhitelistCopy(first.client, path=str(tmp_path / "copy.json"))
    assert again.covers("1069912001")
    assert not again.covers("1069012301")


def test_a_failed_refresh_keeps_the_last_copy(fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    state.whitelisted = {"1069912001"}
    rt = runtime_for(url, tmp_path)
    rt.whitelist.seen("1069912001")
    assert rt.whitelist.refresh()
    down = WhitelistCopy(Client(runtime_for("http://127.0.0.1:9", tmp_path).config),
                         path=str(tmp_path / "copy.json"))
    assert not down.refresh()
    assert down.covers("1069912001")


def test_a_separately_submitted_segment_is_refused_by_default(
        fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    segment = {"sar_msg_ref_num": 1, "sar_total_segments": 2, "sar_segment_seqnum": 1}
    refused = decide(runtime_for(url, tmp_path), sub_port="1069012301",
                     recipient="13912345678", pdu=pdu("part one", **segment))
    per_part = decide(runtime_for(url, tmp_path, PORTTRUST_MULTIPART="per_part"),
                      sub_port="1069012301", recipient="13912345678",
                      pdu=pdu("part one", **segment))
    assert (refused.allowed, refused.reasons) == (False, ("multipart_not_checkable",))
    assert per_part.allowed
    assert [c["content"] for c in state.checks] == ["part one"]


def test_the_client_sorts_answers_into_refused_and_unavailable(
        fake: tuple[Fake, str], tmp_path: Path) -> None:
    state, url = fake
    client = runtime_for(url, tmp_path).client
    state.check = (422, {"title": "invalid"})
    with pytest.raises(Refused):
        client.post(url + "/v1/send-checks", {})
    state.check = (500, {"title": "boom"})
    with pytest.raises(Unavailable):
        client.post(url + "/v1/send-checks", {})


def test_mo_idempotency_key_is_stable_per_pdu_and_differs_by_content() -> None:
    @dataclass
    class Routable:
        pdu: Any
        connector: Any = None

    one = Routable(pdu=type("P", (), {"seqNum": 7, "params": {
        "source_addr": b"13912345678", "destination_addr": b"1069012301"}})())
    assert idempotency_key(one, "TD") == idempotency_key(one, "TD")
    assert idempotency_key(one, "TD") != idempotency_key(one, "T")
    assert "13912345678" not in idempotency_key(one, "TD")


def test_statuses_jasmin_understands() -> None:
    assert PASS == (None, None)
    assert (ESME_RSUBMITFAIL, ESME_RX_T_APPN) == (0x45, 0x64)


def test_config_refuses_an_unknown_policy() -> None:
    with pytest.raises(ValueError, match="FAIL_POLICY"):
        Config.from_env({"PORTTRUST_FAIL_POLICY": "maybe"})
