"""templates and signatures keep their author's root person, for the four-eyes rule

Revision ID: 0671
Revises: 0803
Create Date: 2026-12-06 06:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0671'
down_revision: str | None = '0803'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL on rows made before: the author's subject is then the person compared.
    for table in ('message_templates', 'signatures'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('created_person', sa.String(length=128),
                                          nullable=True))


def downgrade() -> None:
    for table in ('signatures', 'message_templates'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('created_person')
