"""`python -m registry import|export`: the pieces that run without a server."""

import argparse
import json

import httpx
import pytest

from registry import cli


def test_progress_bar_shows_share_and_counts():
    assert cli.progress_bar(250, 1000, width=8) == "[##......]  25.0% 250/1000"


def test_progress_bar_of_an_empty_job_is_full():
    assert cli.progress_bar(0, 0, width=4) == "[####] 100.0% 0/0"


def test_the_environment_gives_the_defaults_and_flags_win(monkeypatch):
    monkeypatch.setenv("REGISTRY_URL", "http://registry.example:8001")
    monkeypatch.setenv("PORTTRUST_CLIENT_ID", "importer")
    monkeypatch.setenv("PORTTRUST_CLIENT_SECRET", "importer-secret")
    monkeypatch.delenv("PORTTRUST_TOKEN", raising=False)
    parser = argparse.ArgumentParser()
    cli.configure_export(parser)
    args = parser.parse_args(["--client-id", "other"])
    assert (args.url, args.token, args.client_id, args.client_secret) == (
        "http://registry.example:8001", None, "other", "importer-secret")


def test_import_without_any_credentials_stops_with_a_message(tmp_path):
    args = argparse.Namespace(token=None, client_id=None, client_secret=None,
                              identity_url=None)
    with pytest.raises(SystemExit, match="--token"):
        cli._token(args, None, httpx.Client())


def test_client_credentials_are_exchanged_at_identity():
    seen = {}

    def identity(request):
        seen["body"] = request.content.decode()
        return httpx.Response(200, json={"access_token": "t0ken"})

    args = argparse.Namespace(token=None, client_id="prov-44", client_secret="s" * 20,
                              identity_url="http://identity.test")
    with httpx.Client(transport=httpx.MockTransport(identity)) as http:
        assert cli._token(args, None, http) == "t0ken"
    assert "grant_type=client_credentials" in seen["body"]


def test_import_follows_a_job_to_the_end(tmp_path, capsys, monkeypatch):
    states = iter([{"status": "running", "processed": 1, "total": 2},
                   {"status": "done", "processed": 2, "total": 2}])

    def registry(request):
        if request.method == "POST":
            return httpx.Response(202, json={"job_id": "j1"})
        return httpx.Response(200, json={**next(states), "job_id": "j1", "errors": [],
                                         "next_cursor": None,
                                         "counts": {"created": 2, "updated": 0,
                                                    "unchanged": 0, "failed": 0}})

    real = httpx.Client
    monkeypatch.setattr(cli.httpx, "Client", lambda **kw: real(
        transport=httpx.MockTransport(registry), **kw))
    monkeypatch.setattr(cli, "POLL_SECONDS", 0)
    path = tmp_path / "rows.csv"
    path.write_text("number\n")
    args = argparse.Namespace(file=path, url="http://registry.test", token="t",
                              client_id=None, client_secret=None, identity_url=None)
    assert cli.run_import(args, None) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["counts"]["created"] == 2
    assert "100.0% 2/2" in out.err
