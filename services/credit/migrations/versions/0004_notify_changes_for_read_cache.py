"""blacklist entries notify their changes, for the in-memory read cache

The blacklist check answers from memory while nothing changed; a statement-level trigger
NOTIFYs porttrust_changes on commit of any change to blacklist_entries, and every credit
process drops its cached answers when it hears it (porttrust_shared.changes). PostgreSQL only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:20:00
"""
from collections.abc import Sequence

from alembic import op

from porttrust_shared.changes import unwatch_tables, watch_tables

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("blacklist_entries",)


def upgrade() -> None:
    watch_tables(op, *TABLES)


def downgrade() -> None:
    unwatch_tables(op, *TABLES)
