"""`python -m registry serve|migrate|import|export|retention`."""

import sys
from pathlib import Path

from porttrust_shared.cli import run_cli
from registry.cli import COMMANDS
from registry.main import create_app
from registry.service.send_log import RETENTION_COMMAND
from registry.settings import Settings

SERVICE_DIR = Path(__file__).resolve().parents[2]


def main() -> int:
    return run_cli(prog="registry", settings_cls=Settings, create_app=create_app,
                   service_dir=SERVICE_DIR, commands=[*COMMANDS, RETENTION_COMMAND])


if __name__ == "__main__":
    sys.exit(main())
