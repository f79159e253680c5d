"""The append-only send log (R6): one row per check, kept at least 180 days.

The message body is never stored: a keyed digest (HMAC with the blind-index key) and its
length let an investigator match a complaint's text to the row, while a stolen table reveals
no SMS, not even a guessable six-digit verification code.
"""

import argparse
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from porttrust_shared.db import create_engine, session_factory, utcnow
from porttrust_shared.pii import PiiCipher
from porttrust_shared.settings import ServiceSettings
from registry.models import SendLogEntry

RETENTION_FLOOR_DAYS = 180
CONTENT_FIELD = "sms_content"


def content_digest(content: str, cipher: PiiCipher) -> str:
    return cipher.blind_index(content, field=CONTENT_FIELD)


async def append_entries(session: AsyncSession, entries: Iterable[SendLogEntry]) -> None:
    session.add_all(list(entries))
    await session.flush()


def cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    """Rows older than this may go; never anything younger than the 180-day floor."""
    return now - dt.timedelta(days=max(retention_days, RETENTION_FLOOR_DAYS))


async def purge_expired(session: AsyncSession, *, retention_days: int,
                        now: dt.datetime) -> int:
    """Delete rows past retention; returns how many. On PostgreSQL, monthly partitions
    dropped whole are the planned replacement (README), with the same cutoff."""
    result = await session.execute(
        delete(SendLogEntry).where(SendLogEntry.checked_at < cutoff(now, retention_days)))
    await session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


async def _run_retention(args: argparse.Namespace, settings: ServiceSettings) -> int:
    engine = create_engine(settings.database_url)
    async with session_factory(engine)() as session:
        removed = await purge_expired(session, retention_days=settings.retention_days,
                                      now=utcnow())
        await session.commit()
    await engine.dispose()
    print(f"send log: removed {removed} rows older than {settings.retention_days} days")
    return 0


RETENTION_COMMAND = ("retention", "delete send-log rows past the retention period (>= 180 days)",
                     lambda parser: None, _run_retention)
