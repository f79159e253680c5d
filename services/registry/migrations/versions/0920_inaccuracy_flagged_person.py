"""inaccuracy flags keep the flagger's root person (four eyes compares persons)

Revision ID: 0920
Revises: 0910
Create Date: 2026-12-06 14:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0920'
down_revision: str | None = '0910'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Flags made before keep null: for them the rule compares the flagging identity alone,
    # as it did.
    with op.batch_alter_table('inaccuracies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged_person', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inaccuracies', schema=None) as batch_op:
        batch_op.drop_column('flagged_person')
