"""customer whitelist entries

Revision ID: 0803
Revises: 0703
Create Date: 2026-12-06 05:41:29.975072
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0803'
down_revision: str | None = '0703'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uscc', sa.String(length=18), nullable=True))
        batch_op.alter_column('number',
               existing_type=sa.VARCHAR(length=21),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_whitelist_entries_uscc'), ['uscc'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_whitelist_entries_uscc'))
        batch_op.alter_column('number',
               existing_type=sa.VARCHAR(length=21),
               nullable=False)
        batch_op.drop_column('uscc')
