"""templates opt-outs mo messages send log

Revision ID: 0400
Revises: 0300
Create Date: 2026-11-29 04:19:28.888153
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import porttrust_shared.db

revision: str = '0400'
down_revision: str | None = '0300'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('message_templates',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('sub_port_number', sa.String(length=21), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('allowed_domains', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_templates'))
    )
    with op.batch_alter_table('message_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_templates_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_templates_sub_port_number'), ['sub_port_number'], unique=False)

    op.create_table('mo_messages',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('sub_port_number', sa.String(length=21), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=False),
    sa.Column('phone_index', sa.String(length=64), nullable=False),
    sa.Column('phone_enc', sa.Text(), nullable=False),
    sa.Column('text_enc', sa.Text(), nullable=False),
    sa.Column('opt_out', sa.Boolean(), nullable=False),
    sa.Column('received_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('created_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mo_messages'))
    )
    with op.batch_alter_table('mo_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mo_messages_phone_index'), ['phone_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_mo_messages_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_mo_messages_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mo_messages_sub_port_number'), ['sub_port_number'], unique=False)

    op.create_table('opt_outs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sub_port_number', sa.String(length=21), nullable=False),
    sa.Column('phone_index', sa.String(length=64), nullable=False),
    sa.Column('phone_enc', sa.Text(), nullable=False),
    sa.Column('keyword', sa.String(length=16), nullable=False),
    sa.Column('mo_message_id', sa.String(length=32), nullable=False),
    sa.Column('received_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opt_outs')),
    sa.UniqueConstraint('sub_port_number', 'phone_index', name=op.f('uq_opt_outs_sub_port_number'))
    )
    # On PostgreSQL the send log is range-partitioned by month (a partition's key must be in
    # its primary key); `python -m registry retention` creates months ahead and drops old
    # ones. Rows outside any month land in the default partition and are deleted by age.
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table('send_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('checked_at', porttrust_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sub_port_number', sa.String(length=32), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=True),
    sa.Column('recipient_index', sa.String(length=64), nullable=True),
    sa.Column('recipient_masked', sa.String(length=32), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('template_id', sa.String(length=32), nullable=True),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('content_length', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint(*(('id', 'checked_at') if postgres else ('id',)),
                            name=op.f('pk_send_log')),
    **({'postgresql_partition_by': 'RANGE (checked_at)'} if postgres else {}),
    )
    if postgres:
        op.execute('CREATE TABLE send_log_default PARTITION OF send_log DEFAULT')
    with op.batch_alter_table('send_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_send_log_checked_at'), ['checked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_send_log_recipient_index'), ['recipient_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_send_log_sub_port_number'), ['sub_port_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('send_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_send_log_sub_port_number'))
        batch_op.drop_index(batch_op.f('ix_send_log_recipient_index'))
        batch_op.drop_index(batch_op.f('ix_send_log_checked_at'))

    op.drop_table('send_log')
    op.drop_table('opt_outs')
    with op.batch_alter_table('mo_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mo_messages_sub_port_number'))
        batch_op.drop_index(batch_op.f('ix_mo_messages_received_at'))
        batch_op.drop_index(batch_op.f('ix_mo_messages_province'))
        batch_op.drop_index(batch_op.f('ix_mo_messages_phone_index'))

    op.drop_table('mo_messages')
    with op.batch_alter_table('message_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_templates_sub_port_number'))
        batch_op.drop_index(batch_op.f('ix_message_templates_province'))

    op.drop_table('message_templates')
