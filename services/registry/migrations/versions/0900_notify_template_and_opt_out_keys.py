"""templates and opt-outs notify the sub-ports they changed, for the send check's memory

The send check holds each sub-port's templates and opt-outs in memory
(registry.service.send_check). A statement-level trigger on both tables NOTIFYs
porttrust_changes with the distinct sub-port numbers the statement wrote, so a registry process
drops only those sub-ports' state (porttrust_shared.keyed). PostgreSQL only.

Revision ID: 0900
Revises: 0802
Create Date: 2026-12-06 05:40:00
"""
from collections.abc import Sequence

from alembic import op

from porttrust_shared.keyed import unwatch_keys, watch_keys

revision: str = '0900'
down_revision: str | None = '0802'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("message_templates", "opt_outs")


def upgrade() -> None:
    for table in TABLES:
        watch_keys(op, table, "sub_port_number")


def downgrade() -> None:
    for table in TABLES:
        unwatch_keys(op, table)
