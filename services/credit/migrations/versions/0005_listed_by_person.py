"""the lister's root person, for the two-person rule on lifting

Revision ID: 0005
Revises: 0010
Create Date: 2026-12-06 05:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL on entries listed before: the lister itself is then the person compared.
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listed_by_person', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.drop_column('listed_by_person')
