"""`make run`'s process (porttrust_dev.stack's main): Ctrl-C ends it cleanly, exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from porttrust_dev.stack import service_ports

pytestmark = pytest.mark.e2e


def _start(tmp_path: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {"PORTTRUST_VAR_DIR": str(tmp_path / "var"),
                        "PORTTRUST_ADMIN_PASSWORD": "make-run-password-1"}
    env |= {f"{name.upper()}_PORT": str(port)
            for name, port in service_ports().items()}
    # Its own process group, with SIGINT at its default (a background job inherits it
    # ignored): the signal goes to the group, as a terminal's Ctrl-C does.
    with (tmp_path / "out.txt").open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "porttrust_dev.stack"], env=env, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            stdout=out, stderr=subprocess.STDOUT)


def _wait_for(path: Path, text: str, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return True
        time.sleep(0.3)
    return False


@pytest.mark.parametrize("when", ["running", "starting"])
def test_ctrl_c_stops_the_four_services_with_exit_0(tmp_path, when):
    proc = _start(tmp_path)
    try:
        if when == "running":
            assert _wait_for(tmp_path / "out.txt", "PortTrust is running")
        else:  # Ctrl-C while the services start (once main has taken over the signals)
            assert _wait_for(tmp_path / "out.txt", "Starting PortTrust")
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "Traceback" not in (tmp_path / "out.txt").read_text(errors="replace")


@pytest.fixture
def stack_module():
    """porttrust_dev.stack, with this process's signal handlers put back afterwards."""
    import porttrust_dev.stack as module

    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    yield module
    signal.signal(signal.SIGINT, previous[0])
    signal.signal(signal.SIGTERM, previous[1])


def test_the_stop_signal_handler_records_and_never_raises(stack_module):
    """A handler that raised could throw into an `except` or `finally` already running and
    escape the clean stop (CI saw exit -2): it only records, and the run looks."""
    received = stack_module._catch_stop_signals()
    signal.raise_signal(signal.SIGINT)
    signal.raise_signal(signal.SIGTERM)
    signal.raise_signal(signal.SIGINT)
    assert received == [signal.SIGINT, signal.SIGTERM, signal.SIGINT]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 0), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("where", ["starting", "stopping"])
def test_a_stop_signal_at_any_step_ends_cleanly(stack_module, monkeypatch, tmp_path,
                                                signum, code, where):
    """The signal lands while the first service starts, or while the services are being
    stopped: either way main stops the services once and returns the signal's exit code,
    and a late Ctrl-C while Python exits is ignored rather than fatal."""
    monkeypatch.setenv("PORTTRUST_VAR_DIR", str(tmp_path))
    events: list[str] = []

    def start(self, name):
        events.append(f"start {name}")
        if where == "starting":
            signal.raise_signal(signum)

    def stop_all(self):
        events.append("stop_all")
        if where == "stopping":
            signal.raise_signal(signum)

    def wait_ready(self, name, timeout=60.0):
        if self.stopping():
            raise stack_module.StopRequested
        if where == "stopping":
            raise RuntimeError(f"{name} exited with 1")  # the run is leaving on its own

    monkeypatch.setattr(stack_module.Stack, "start", start)
    monkeypatch.setattr(stack_module.Stack, "stop_all", stop_all)
    monkeypatch.setattr(stack_module.Stack, "wait_ready", wait_ready)
    expected = code if where == "starting" else 1  # a signal after the failure changes nothing
    assert stack_module.main() == expected
    assert events == ["start identity", "stop_all"]
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
