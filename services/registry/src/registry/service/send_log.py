"""The append-only send log (R6): one row per check, kept at least six calendar months and a
day (porttrust_shared.retention), like the MO messages the same retention job trims.

The message body is never stored: a keyed digest (HMAC with the blind-index key) and its
length let an investigator match a complaint's text to the row, while a stolen table reveals
no SMS, not even a guessable six-digit verification code.
"""

import argparse
import datetime as dt
import re

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import create_engine, is_postgres, session_factory, utcnow
from porttrust_shared.pii import PiiCipher
from porttrust_shared.retention import retention_cutoff
from porttrust_shared.settings import ServiceSettings
from registry.models import MoMessage, SendLogEntry

CONTENT_FIELD = "sms_content"
PARTITION = "send_log_p{:%Y%m}"
PARTITION_NAME = re.compile(r"send_log_p[0-9]{6}")


def content_digest(content: str, cipher: PiiCipher) -> str:
    return cipher.blind_index(content, field=CONTENT_FIELD)


def month_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(start: dt.datetime) -> dt.datetime:
    return (start + dt.timedelta(days=32)).replace(day=1)


async def _exists(session: AsyncSession, name: str) -> bool:
    found = await session.execute(text("SELECT to_regclass(:name)"), {"name": name})
    return found.scalar() is not None


async def _default_holds(session: AsyncSession, start: dt.datetime, end: dt.datetime) -> bool:
    found = await session.execute(text(
        "SELECT 1 FROM send_log_default WHERE checked_at >= :a AND checked_at < :b LIMIT 1"),
        {"a": start, "b": end})
    return found.first() is not None


async def ensure_partitions(session: AsyncSession, *, now: dt.datetime,
                            months_ahead: int = 2) -> list[str]:
    """PostgreSQL: this month's and the next months' partitions; names of those created.

    A month whose rows already sit in the default partition is left there (deleted by age).
    """
    if not is_postgres(session):
        return []
    created, start = [], month_start(now)
    for _ in range(months_ahead + 1):
        end, name = next_month(start), PARTITION.format(start)
        if not await _exists(session, name) and not await _default_holds(session, start, end):
            # Bounds come from datetimes built here, never from input: DDL takes no parameters.
            await session.execute(text(
                f"CREATE TABLE {name} PARTITION OF send_log "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"))
            created.append(name)
        start = end
    return created


async def _month_partitions(session: AsyncSession) -> list[tuple[str, dt.datetime]]:
    rows = await session.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'send_log'::regclass"))
    months = []
    for (name,) in rows:
        if PARTITION_NAME.fullmatch(name):
            months.append((name, dt.datetime.strptime(name[-6:], "%Y%m").replace(tzinfo=dt.UTC)))
    return months


async def _drop_expired_partitions(session: AsyncSession, before: dt.datetime) -> int:
    """Whole months that ended before the cutoff go at once, not row by row."""
    removed = 0
    for name, start in await _month_partitions(session):
        if next_month(start) <= before:
            removed += (await session.execute(text(f"SELECT count(*) FROM {name}"))).scalar_one()
            await session.execute(text(f"DROP TABLE {name}"))
    return removed


async def purge_expired(session: AsyncSession, *, retention_months: int,
                        now: dt.datetime) -> int:
    """Remove send-log rows past retention; returns how many. On PostgreSQL expired months
    are dropped whole first; what is left (default partition, the month straddling the
    cutoff, SQLite) is deleted by age with the same cutoff."""
    before = retention_cutoff(now, retention_months)
    removed = await _drop_expired_partitions(session, before) if is_postgres(session) else 0
    result = await session.execute(
        delete(SendLogEntry).where(SendLogEntry.checked_at < before))
    await session.flush()
    return removed + int(getattr(result, "rowcount", 0) or 0)


async def purge_mo_messages(session: AsyncSession, *, retention_months: int,
                            now: dt.datetime) -> int:
    """Remove replies past retention; the opt-outs they made stay (they never expire)."""
    result = await session.execute(delete(MoMessage).where(
        MoMessage.received_at < retention_cutoff(now, retention_months)))
    await session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


async def _run_retention(args: argparse.Namespace, settings: ServiceSettings) -> int:
    engine = create_engine(settings.database_url)
    months = settings.retention_months
    async with session_factory(engine)() as session:
        removed = await purge_expired(session, retention_months=months, now=utcnow())
        replies = await purge_mo_messages(session, retention_months=months, now=utcnow())
        created = await ensure_partitions(session, now=utcnow())
        await session.commit()
    await engine.dispose()
    print(f"send log: removed {removed} rows, mo messages: removed {replies}, older than "
          f"{months} calendar months and a day; "
          f"partitions created: {', '.join(created) or 'none'}")
    return 0


RETENTION_COMMAND = ("retention", "drop send-log rows and MO messages older than six "
                     "calendar months and a day (REGISTRY_RETENTION_MONTHS); on PostgreSQL "
                     "create the coming months' partitions",
                     lambda parser: None, _run_retention)
