"""sub-ports and handlers notify their changes, for the in-memory read cache

GET /v1/sub-ports/{number} reads a sub-port with its handler's verification; a statement-level
trigger on both tables NOTIFYs porttrust_changes on commit, and every registry process drops
its cached reads when it hears it (porttrust_shared.changes). PostgreSQL only.

Revision ID: 0500
Revises: 0100
Create Date: 2026-11-29 07:20:00
"""
from collections.abc import Sequence

from alembic import op

from porttrust_shared.changes import unwatch_tables, watch_tables

revision: str = '0500'
down_revision: str | None = '0100'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sub_ports", "handlers")


def upgrade() -> None:
    watch_tables(op, *TABLES)


def downgrade() -> None:
    unwatch_tables(op, *TABLES)
