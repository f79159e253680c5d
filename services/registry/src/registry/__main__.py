"""`python -m registry serve|migrate`."""

import sys
from pathlib import Path

from porttrust_shared.cli import run_cli
from registry.main import create_app
from registry.settings import Settings

SERVICE_DIR = Path(__file__).resolve().parents[2]


def main() -> int:
    return run_cli(prog="registry", settings_cls=Settings, create_app=create_app,
                   service_dir=SERVICE_DIR)


if __name__ == "__main__":
    sys.exit(main())
