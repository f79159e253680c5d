"""A PostgreSQL server of the test's own (initdb + pg_ctl), so it can be stopped and started.

The machine's shared PostgreSQL is never touched: other suites run on it at the same time.
The server lives in a temporary directory, listens on a free loopback port and trusts local
connections. initdb refuses to run as root: then the server runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(list(args), check=True, capture_output=True, timeout=120,
                       preexec_fn=_as_postgres_user())

    def init(self) -> None:
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        self._run(str(binary("initdb")), "-D", str(self.directory / "data"), "-U", "postgres",
                  "-A", "trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
                   "-c fsync=off -c max_connections=200")
        self._run(str(binary("pg_ctl")), "-D", str(self.directory / "data"), "-l",
                  str(self.directory / "server.log"), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run(str(binary("pg_ctl")), "-D", str(self.directory / "data"), "-m", "fast",
                  "-w", "-t", "60", "stop")


def _as_postgres_user() -> Callable[[], None] | None:
    if os.geteuid() != 0:
        return None
    account = pwd.getpwnam("postgres")

    def switch() -> None:
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)

    return switch
