"""The send check (R4-R6): may this sub-port send this text to this phone, and if not, why.

The hot path reads nothing from the database while the change feed is fresh: sub-ports,
their templates (compiled into one `TemplateIndex` per sub-port) and their opt-outs are held
in memory (snapshot.py); each message is normalised once and matched only against the
templates it can fit (verdict.py). Its log rows go to a `SendLogWriter` (send_log_writer.py),
and the check is answered only once they are committed. No other service is asked:
sanctions and whitelist changes already arrive as sub-port status.
"""

import contextlib
import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared.db import read_session_scope, utcnow
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal
from registry.service.monitoring import monitored, waivable
from registry.service.opt_outs import PHONE
from registry.service.send_check.render import written
from registry.service.send_check.snapshot import Caches, from_database, from_memory
from registry.service.send_check.verdict import Asked, Snapshot, recipient_phone, verdict
from registry.service.send_log import content_digest
from registry.service.send_log_writer import LogRow, SendLogWriter

__all__ = ["Caches", "check_sends"]


async def _snapshot(sessions: async_sessionmaker[AsyncSession], caches: Caches | None,
                    numbers: set[str], indexes: set[str], actor: Principal) -> Snapshot:
    if caches is not None:
        held = await from_memory(sessions, caches, numbers, actor)
        if held is not None:
            return held
    async with contextlib.aclosing(read_session_scope(sessions)) as scope:
        async for session in scope:
            return await from_database(session, numbers, indexes, actor)
    raise AssertionError("read_session_scope yields once")  # pragma: no cover


async def _monitored(sessions: async_sessionmaker[AsyncSession], numbers: set[str],
                     now: dt.datetime) -> set[str]:
    """Read from the database, and only for checks a waiver could change (refused on
    template reasons alone): none in normal traffic."""
    if not numbers:
        return set()
    async with contextlib.aclosing(read_session_scope(sessions)) as scope:
        async for session in scope:
            return await monitored(session, numbers, now)
    raise AssertionError("read_session_scope yields once")  # pragma: no cover


async def check_sends(sessions: async_sessionmaker[AsyncSession], *,
                      checks: Sequence[Asked], actor: Principal, cipher: PiiCipher,
                      caches: Caches | None, log: SendLogWriter) -> list[str]:
    """Each check's answer as JSON text (render.py), in order, once every check's log row
    is committed."""
    phones = [recipient_phone(c.recipient) for c in checks]
    indexes = [cipher.blind_index(p, field=PHONE) if p else None for p in phones]
    snapshot = await _snapshot(sessions, caches, {c.sub_port for c in checks},
                               {i for i in indexes if i}, actor)
    verdicts = [verdict(snapshot, *asked) for asked in zip(checks, phones, indexes, strict=True)]
    now = utcnow()
    waived = await _monitored(sessions, {c.sub_port for c, (reasons, _) in zip(
        checks, verdicts, strict=True) if waivable(reasons)}, now)
    texts, rows, subs, by = [], [], snapshot.subs, actor.sub
    for check, phone, index, (reasons, best) in zip(checks, phones, indexes, verdicts,
                                                    strict=True):
        text, recipient, allowed, enforced, template = written(
            check, phone, reasons, best, monitored=check.sub_port in waived)
        sub = subs.get(check.sub_port)
        texts.append(text)
        rows.append(LogRow(
            now, check.sub_port, sub.province if sub else None, index, recipient, allowed,
            enforced, reasons, template, by, content_digest(check.content, cipher),
            len(check.content)))
    await log.write(rows)
    return texts
