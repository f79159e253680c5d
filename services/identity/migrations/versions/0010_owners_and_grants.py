"""root person of each client and user; grants of privileged roles awaiting a second admin

Revision ID: 0010
Revises: 0001
Create Date: 2026-12-06 05:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import porttrust_shared.db

revision: str = '0010'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('grants',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=128), nullable=False),
    sa.Column('requested_person', sa.String(length=128), nullable=False),
    sa.Column('created_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_person', sa.String(length=128), nullable=True),
    sa.Column('decided_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants'))
    )
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_subject'), ['subject'], unique=False)
    # Existing identities: made by bootstrap or the command line they are their own root;
    # otherwise their creator is (its own root was not recorded before this revision).
    for table, own in (('clients', 'client_id'), ('users', "'user:' || username")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('owner', sa.String(length=128), nullable=True))
        op.execute(f"UPDATE {table} SET owner = CASE WHEN created_by IN ('bootstrap', 'cli') "
                   f"THEN {own} ELSE created_by END")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('owner', existing_type=sa.String(length=128), nullable=False)


def downgrade() -> None:
    for table in ('users', 'clients'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('owner')
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_subject'))
        batch_op.drop_index(batch_op.f('ix_grants_status'))
    op.drop_table('grants')
