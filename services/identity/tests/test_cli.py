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


def test_create_client_uses_porttrust_var_dir(migrated, monkeypatch, capsys):
    (migrated / "identity.db").unlink(missing_ok=True)
    upgrade(SERVICE_DIR, f"sqlite+aiosqlite:///{migrated / 'identity.db'}")
    monkeypatch.delenv("IDENTITY_DATABASE_URL", raising=False)
    monkeypatch.delenv("IDENTITY_VAR_DIR", raising=False)
    monkeypatch.setenv("PORTTRUST_VAR_DIR", str(migrated))
    monkeypatch.setattr("porttrust_shared.cli.configure_logging", lambda level: None)
    assert main(["create-client", "--name", "x", "--roles", "gateway"]) == 0
    assert "client_id=" in capsys.readouterr().out


def test_create_client_without_a_database_says_so_and_creates_none(tmp_path, monkeypatch,
                                                                  capsys):
    monkeypatch.delenv("IDENTITY_DATABASE_URL", raising=False)
    monkeypatch.delenv("IDENTITY_VAR_DIR", raising=False)
    monkeypatch.setenv("PORTTRUST_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr("porttrust_shared.cli.configure_logging", lambda level: None)
    assert main(["create-client", "--name", "x", "--roles", "gateway"]) == 1
    err = capsys.readouterr().err
    assert "no database at" in err and "Traceback" not in err
    assert not (tmp_path / "var").exists()


def test_create_client_on_an_unmigrated_database_is_one_line_not_a_traceback(
        tmp_path, monkeypatch, capsys):
    (tmp_path / "empty.db").touch()
    monkeypatch.setenv("IDENTITY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setattr("porttrust_shared.cli.configure_logging", lambda level: None)
    assert main(["create-client", "--name", "x", "--roles", "gateway"]) == 1
    assert "migrate" in capsys.readouterr().err
