"""organizations public service

Revision ID: 0802
Revises: 0600
Create Date: 2026-12-06 05:15:55.620458
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0802'
down_revision: str | None = '0600'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_service', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('public_service')
