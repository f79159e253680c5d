"""whitelist entries carry the province of what they name

Revision ID: 0910
Revises: 0671
Create Date: 2026-12-06 08:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0910'
down_revision: str | None = '0671'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.drop_column('province')
