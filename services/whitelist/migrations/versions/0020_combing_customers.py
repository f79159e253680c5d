"""combing customers

Revision ID: 0020
Revises: 0003
Create Date: 2026-12-06 05:17:46.093994
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import porttrust_shared.db

revision: str = '0020'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('combing_customers',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('province', sa.String(length=4), nullable=False),
    sa.Column('from_registry', sa.String(length=32), nullable=True),
    sa.Column('uploaded_by', sa.String(length=128), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uscc', name=op.f('pk_combing_customers'))
    )
    with op.batch_alter_table('combing_customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_combing_customers_province'), ['province'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('combing_customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_combing_customers_province'))

    op.drop_table('combing_customers')
