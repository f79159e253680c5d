"""`python -m identity create-client` registers a machine client and prints its secret once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from identity.__main__ import SERVICE_DIR, main
from porttrust_shared.migrations import upgrade


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path / 'id.db'}"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    upgrade(SERVICE_DIR, _url(path))
    return path


@pytest.fixture
def cli(migrated, monkeypatch):
    """main(argv) in this process, on its own migrated database, without reconfiguring logs."""
    monkeypatch.setenv("IDENTITY_DATABASE_URL", _url(migrated))
    monkeypatch.setattr("porttrust_shared.cli.configure_logging", lambda level: None)
    return main


def test_python_m_identity_create_client_prints_the_id_and_secret(migrated):
    env = os.environ | {"IDENTITY_DATABASE_URL": _url(migrated)}
    result = subprocess.run(
        [sys.executable, "-m", "identity", "create-client", "--name", "Gateway GD",
         "--roles", "gateway", "--province", "44", "--client-id", "gw-gd"],
        env=env, text=True, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines["client_id"] == "gw-gd"
    assert len(lines["client_secret"]) >= 32
    assert "shown once" in result.stderr


def test_create_client_refuses_a_duplicate_id(cli, capsys):
    args = ["create-client", "--name", "x", "--roles", "gateway", "--client-id", "gw-dup"]
    assert cli(args) == 0
    capsys.readouterr()
    assert cli(args) == 1
    assert "exists" in capsys.readouterr().err


def test_create_client_refuses_unknown_roles(cli, capsys):
    assert cli(["create-client", "--name", "x", "--roles", "root"]) == 2
    assert "roles" in capsys.readouterr().err


def test_create_client_makes_an_id_when_none_is_given(cli, capsys):
    assert cli(["create-client", "--name", "x", "--roles", "enforcement"]) == 0
    assert capsys.readouterr().out.startswith("client_id=c-")


def test_rotate_key_starts_a_new_signing_key(cli, capsys):
    assert cli(["rotate-key"]) == 0
    assert cli(["rotate-key"]) == 0
    first, second = capsys.readouterr().out.splitlines()
    assert first.split()[3] != second.split()[3]
