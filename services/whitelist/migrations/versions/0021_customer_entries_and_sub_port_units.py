"""customer entries and sub-port units

Revision ID: 0021
Revises: 0010
Create Date: 2026-12-06 05:36:52.191775
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import porttrust_shared.db

revision: str = '0021'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sub_port_units',
    sa.Column('number', sa.String(length=21), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('province', sa.String(length=4), nullable=False),
    sa.Column('updated_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_sub_port_units'))
    )
    with op.batch_alter_table('sub_port_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sub_port_units_uscc'), ['uscc'], unique=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uscc', sa.String(length=18), nullable=True))
        batch_op.alter_column('number',
               existing_type=sa.VARCHAR(length=21),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_applications_uscc'), ['uscc'], unique=False)
        batch_op.create_index('uq_applications_pending_uscc', ['uscc'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uscc', sa.String(length=18), nullable=True))
        batch_op.alter_column('number',
               existing_type=sa.VARCHAR(length=21),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_entries_uscc'), ['uscc'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entries_uscc'))
        batch_op.alter_column('number',
               existing_type=sa.VARCHAR(length=21),
               nullable=False)
        batch_op.drop_column('uscc')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('uq_applications_pending_uscc', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_applications_uscc'))
        batch_op.alter_column('number',
               existing_type=sa.VARCHAR(length=21),
               nullable=False)
        batch_op.drop_column('uscc')

    with op.batch_alter_table('sub_port_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sub_port_units_uscc'))

    op.drop_table('sub_port_units')
