"""signatures

Revision ID: 0801
Revises: 0800
Create Date: 2026-12-06 04:56:00.158036
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import porttrust_shared.db

revision: str = '0801'
down_revision: str | None = '0800'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('signatures',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('organization_uscc', sa.String(length=18), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=False),
    sa.Column('text', sa.String(length=20), nullable=False),
    sa.Column('names_unit', sa.Boolean(), nullable=False),
    sa.Column('evidence_ref', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signatures'))
    )
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signatures_organization_uscc'), ['organization_uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_signatures_province'), ['province'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signatures_province'))
        batch_op.drop_index(batch_op.f('ix_signatures_organization_uscc'))

    op.drop_table('signatures')
