"""`python -m registry import FILE` and `python -m registry export`: the HTTP API from a
shell, with a plain progress bar on stderr for large imports."""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from registry.settings import CliSettings

POLL_SECONDS = 0.5


def configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="CSV (UTF-8 or GBK) or NDJSON (.ndjson/.jsonl)")
    _common(parser)


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    parser.add_argument("--province", help="only this province")
    parser.add_argument("--status", help="only this status (default: all but cancelled)")
    _common(parser)


def _common(parser: argparse.ArgumentParser) -> None:
    env = CliSettings()
    parser.add_argument("--url", default=env.url, help="the registry's base URL")
    parser.add_argument("--token", default=env.token,
                        help="bearer token (or PORTTRUST_TOKEN, or client credentials)")
    parser.add_argument("--client-id", default=env.client_id)
    parser.add_argument("--client-secret", default=env.client_secret)
    parser.add_argument("--identity-url", default=None,
                        help="identity's base URL for client credentials (default: settings)")


def _token(args: argparse.Namespace, settings: Any, http: httpx.Client) -> str:
    if args.token:
        return str(args.token)
    if not (args.client_id and args.client_secret):
        raise SystemExit("give --token, or --client-id and --client-secret")
    base = (args.identity_url or settings.identity_url).rstrip("/")
    response = http.post(base + "/v1/token", data={
        "grant_type": "client_credentials", "client_id": args.client_id,
        "client_secret": args.client_secret, "audience": "registry"})
    if response.status_code != 200:
        raise SystemExit(f"identity refused the credentials ({response.status_code})")
    return str(response.json()["access_token"])


def progress_bar(done: int, total: int, width: int = 40) -> str:
    share = done / total if total else 1.0
    filled = round(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:6.1%} {done}/{total}"


def _fail(response: httpx.Response) -> int:
    print(f"registry answered {response.status_code}: {response.text}", file=sys.stderr)
    return 2


def run_import(args: argparse.Namespace, settings: Any) -> int:
    kind = "ndjson" if args.file.suffix.lower() in (".ndjson", ".jsonl") else "csv"
    media = {"csv": "text/csv", "ndjson": "application/x-ndjson"}[kind]
    with httpx.Client(base_url=args.url, timeout=httpx.Timeout(300.0, connect=5.0)) as http:
        headers = {"Authorization": "Bearer " + _token(args, settings, http),
                   "Content-Type": media}
        response = http.post("/v1/sub-ports/import", content=args.file.read_bytes(),
                             headers=headers)
        if response.status_code == 202:
            body = _follow(http, response.json()["job_id"], headers)
        elif response.status_code == 200:
            body = response.json()
        else:
            return _fail(response)
    print(json.dumps({k: body[k] for k in ("status", "total", "counts", "errors")},
                     ensure_ascii=False, indent=2))
    return 1 if body["counts"]["failed"] or body["status"] != "done" else 0


def _follow(http: httpx.Client, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll the job, drawing the bar, then gather every page of its errors."""
    while True:
        body: dict[str, Any] = http.get(f"/v1/sub-ports/import/{job_id}", headers=headers,
                                        params={"limit": 500}).json()
        print("\r" + progress_bar(body["processed"], body["total"]), end="", file=sys.stderr,
              flush=True)
        if body["status"] in ("done", "failed"):
            print(file=sys.stderr)
            break
        time.sleep(POLL_SECONDS)
    errors, cursor = list(body["errors"]), body.get("next_cursor")
    while cursor:
        page = http.get(f"/v1/sub-ports/import/{job_id}", headers=headers,
                        params={"limit": 500, "cursor": cursor}).json()
        errors += page["errors"]
        cursor = page.get("next_cursor")
    return {**body, "errors": errors}


def run_export(args: argparse.Namespace, settings: Any) -> int:
    params = {k: v for k, v in (("province", args.province), ("status", args.status)) if v}
    with httpx.Client(base_url=args.url, timeout=httpx.Timeout(300.0, connect=5.0)) as http:
        headers = {"Authorization": "Bearer " + _token(args, settings, http)}
        response = http.get("/v1/sub-ports/export", headers=headers, params=params)
    if response.status_code != 200:
        return _fail(response)
    if args.output:
        args.output.write_bytes(response.content)
    else:
        sys.stdout.write(response.text)
    return 0


COMMANDS = [
    ("import", "import sub-ports from a CSV or NDJSON file through the API", configure_import,
     run_import),
    ("export", "export sub-ports as CSV (person data masked) through the API", configure_export,
     run_export),
]
