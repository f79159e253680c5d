"""`python -m whitelist serve|migrate`."""

import sys
from pathlib import Path

from porttrust_shared.cli import run_cli
from whitelist.main import create_app
from whitelist.settings import Settings

SERVICE_DIR = Path(__file__).resolve().parents[2]


def main() -> int:
    return run_cli(prog="whitelist", settings_cls=Settings, create_app=create_app,
                   service_dir=SERVICE_DIR)


if __name__ == "__main__":
    sys.exit(main())
