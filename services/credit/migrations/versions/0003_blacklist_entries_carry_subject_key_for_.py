"""blacklist entries carry their subject's kind and key, for the bulk check

The check looked subjects up by key (up to 1,000 probes into the whole subjects index) and
joined every active entry to them. Entries now copy the subject's kind and lookup key (which
never change) and a partial index on active entries answers the check alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 04:52:18.445014
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text('lifted_at IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('subject_lookup_key', sa.String(length=64), nullable=True))
    op.execute(
        'UPDATE blacklist_entries SET '
        'subject_kind = (SELECT s.kind FROM subjects s WHERE s.id = blacklist_entries.subject_id), '
        'subject_lookup_key = (SELECT s.lookup_key FROM subjects s '
        'WHERE s.id = blacklist_entries.subject_id)')
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.alter_column('subject_kind', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('subject_lookup_key', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_index('ix_blacklist_entries_active_subject',
                              ['subject_lookup_key', 'subject_kind'], unique=False,
                              postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade() -> None:
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_blacklist_entries_active_subject')
        batch_op.drop_column('subject_lookup_key')
        batch_op.drop_column('subject_kind')
