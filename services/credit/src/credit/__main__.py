"""`python -m credit serve|migrate`."""

import sys
from pathlib import Path

from credit.main import create_app
from credit.settings import Settings
from porttrust_shared.cli import run_cli

SERVICE_DIR = Path(__file__).resolve().parents[2]


def main() -> int:
    return run_cli(prog="credit", settings_cls=Settings, create_app=create_app,
                   service_dir=SERVICE_DIR)


if __name__ == "__main__":
    sys.exit(main())
