"""complaints and complaint reviews

Revision ID: 0300
Revises: 0002
Create Date: 2026-11-29 04:20:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import porttrust_shared.db

revision: str = '0300'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('complaints',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=21), nullable=False),
    sa.Column('sub_port_number', sa.String(length=21), nullable=True),
    sa.Column('province', sa.String(length=2), nullable=True),
    sa.Column('traced', sa.Boolean(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('reporter_enc', sa.Text(), nullable=False),
    sa.Column('reporter_index', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('received_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('created_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_reporter_index'), ['reporter_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_sub_port_number'), ['sub_port_number'], unique=False)

    op.create_table('complaint_reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sub_port_number', sa.String(length=21), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=False),
    sa.Column('complaint_count', sa.Integer(), nullable=False),
    sa.Column('window_start', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_reviews'))
    )
    with op.batch_alter_table('complaint_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_reviews_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_reviews_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_reviews_sub_port_number'), ['sub_port_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('complaint_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_reviews_sub_port_number'))
        batch_op.drop_index(batch_op.f('ix_complaint_reviews_status'))
        batch_op.drop_index(batch_op.f('ix_complaint_reviews_province'))

    op.drop_table('complaint_reviews')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_sub_port_number'))
        batch_op.drop_index(batch_op.f('ix_complaints_reporter_index'))
        batch_op.drop_index(batch_op.f('ix_complaints_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaints_province'))
        batch_op.drop_index(batch_op.f('ix_complaints_number'))

    op.drop_table('complaints')
