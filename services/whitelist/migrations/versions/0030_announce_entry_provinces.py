"""announce each live entry's province to registry

Entries granted before `whitelist.granted` carried a province are kept in registry without
one (and cover as before). Announcing every live entry again, now with its province, lets
registry flag only sub-ports of that province: an entry a province made for another
province's number (issue 9, item 4) stops protecting it.

Revision ID: 0030
Revises: 0004
Create Date: 2026-12-06 08:30:00.000000
"""
import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import porttrust_shared.db

revision: str = '0030'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

entries = sa.table(
    'entries', sa.column('id', sa.String), sa.column('number', sa.String),
    sa.column('uscc', sa.String), sa.column('province', sa.String),
    sa.column('category', sa.String),
    sa.column('expires_at', porttrust_shared.db.UTCDateTime()),
    sa.column('revoked_at', porttrust_shared.db.UTCDateTime()),
    sa.column('review_since', porttrust_shared.db.UTCDateTime()))
outbox = sa.table(
    'outbox_events', sa.column('id', sa.String), sa.column('destination', sa.String),
    sa.column('topic', sa.String), sa.column('payload', sa.JSON),
    sa.column('created_at', porttrust_shared.db.UTCDateTime()),
    sa.column('attempts', sa.Integer),
    sa.column('next_attempt_at', porttrust_shared.db.UTCDateTime()))


def upgrade() -> None:
    now = dt.datetime.now(dt.UTC)
    live = op.get_bind().execute(sa.select(entries).where(
        entries.c.revoked_at.is_(None), entries.c.review_since.is_(None),
        sa.or_(entries.c.expires_at.is_(None), entries.c.expires_at > now))).all()
    events = [{
        'id': uuid.uuid4().hex, 'destination': 'registry', 'topic': 'whitelist.granted',
        'payload': {'entry_id': row.id, 'number': row.number, 'uscc': row.uscc,
                    'province': row.province, 'category': row.category,
                    'expires_at': row.expires_at.isoformat() if row.expires_at else None},
        'created_at': now, 'attempts': 0, 'next_attempt_at': now} for row in live]
    if events:
        op.bulk_insert(outbox, events)


def downgrade() -> None:
    """Nothing to undo: the announcements restate what registry was told already."""
