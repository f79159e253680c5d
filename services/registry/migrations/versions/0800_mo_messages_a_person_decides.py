"""mo messages a person decides

Revision ID: 0800
Revises: 0700
Create Date: 2026-12-06 04:48:03.707015
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import porttrust_shared.db

revision: str = '0800'
down_revision: str | None = '0700'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('mo_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undecided', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('rule', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('decided_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_mo_messages_undecided'), ['undecided'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('mo_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mo_messages_undecided'))
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('rule')
        batch_op.drop_column('undecided')

