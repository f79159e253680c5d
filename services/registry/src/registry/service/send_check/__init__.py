"""The send check (R4-R6): may this sub-port send this text to this phone, and if not, why.

The hot path reads nothing from the database while the change feed is fresh: sub-ports,
their templates (compiled into one `TemplateIndex` per sub-port) and their opt-outs are held
in memory (snapshot.py). The usual message (a plain mobile, an active sub-port, a template
that fits) is answered in one pass (lane.py); any other is normalised once, matched only
against the templates it can fit and explained part by part (verdict.py). Its log rows go
to a `SendLogWriter` (send_log_writer.py), and the check is answered only once they are
committed. No other service is asked: sanctions and whitelist changes already arrive as
sub-port status.
"""

import datetime as dt
from collections.abc import Sequence
from operator import attrgetter

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared.db import read_session, utcnow
from porttrust_shared.keyed import KeyedCache
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal
from registry.service.matching.normalize import normalize_all
from registry.service.monitoring import enforcement_starts, monitored, waivable
from registry.service.opt_outs import PHONE
from registry.service.send_check import general
from registry.service.send_check.lane import Answered, usual
from registry.service.send_check.snapshot import Caches, fill, from_database, from_memory
from registry.service.send_check.state import SubPortView
from registry.service.send_check.verdict import Asked, Snapshot, recipient_phone
from registry.service.send_log_writer import SendLogWriter

__all__ = ["Caches", "check_sends"]
_SUB_PORT = attrgetter("sub_port")


async def _snapshot(sessions: async_sessionmaker[AsyncSession], caches: Caches | None,
                    checks: Sequence[Asked], cipher: PiiCipher, actor: Principal) -> Snapshot:
    numbers = set(map(_SUB_PORT, checks))  # in C, not bytecode per check
    if caches is not None:
        held = await from_memory(sessions, caches, numbers, actor)
        if held is not None:
            return held
    phones = {recipient_phone(c.recipient) for c in checks}
    indexes = {cipher.blind_index(p, field=PHONE) for p in phones if p}
    async with read_session(sessions) as session:
        return await from_database(session, numbers, indexes, actor)


async def _monitored(sessions: async_sessionmaker[AsyncSession], caches: Caches | None,
                     snapshot: Snapshot, numbers: set[str], now: dt.datetime) -> set[str]:
    """Read from the database, and only for checks a waiver could change (refused on
    template reasons alone) of sub-ports whose province is in a campaign before template
    enforcement: none in normal traffic. Which provinces those are is held in memory."""
    if caches is not None and numbers:
        numbers = await _in_campaigns(sessions, caches.enforcement, snapshot, numbers, now)
    if not numbers:
        return set()
    async with read_session(sessions) as session:
        return await monitored(session, numbers, now)


async def _in_campaigns(sessions: async_sessionmaker[AsyncSession],
                        cache: KeyedCache[str, dt.datetime | None], snapshot: Snapshot,
                        numbers: set[str], now: dt.datetime) -> set[str]:
    """Those of `numbers` whose province's campaign has not yet started enforcing templates
    (all of them when memory may not say: the feed is not fresh)."""
    token = cache.token()  # read before anything is loaded
    provinces = {sub.province for sub in map(snapshot.subs.get, numbers) if sub is not None}
    starts: dict[str, dt.datetime | None] = {}
    missing = cache.get_many(provinces, starts)
    if missing:
        if token is None:
            return numbers
        async with read_session(sessions) as session:
            await fill(session, cache, token, enforcement_starts, missing, starts)
    return {number for number in numbers if _before(starts, snapshot.subs.get(number), now)}


def _before(starts: dict[str, dt.datetime | None], sub: SubPortView | None,
            now: dt.datetime) -> bool:
    """Whether `sub`'s province may still waive (unknown: the database says)."""
    if sub is None:
        return True
    start = starts.get(sub.province)
    return start is not None and start > now


async def _explained(sessions: async_sessionmaker[AsyncSession], caches: Caches | None,
                     snapshot: Snapshot, checks: Sequence[Asked], texts: list[str], *,
                     now: dt.datetime, actor: str, cipher: PiiCipher) -> list[Answered]:
    """The general path: each check's reasons found one by one, a refusal explained part by
    part (verdict.py), the answer written from its values (render.py); general.py holds the
    steps, this the one that may read the database (which refusals are waived)."""
    found = general.verdicts(snapshot, checks, cipher, texts)
    waived = await _monitored(sessions, caches, snapshot, {c.sub_port for c, (reasons, _) in zip(
        checks, found[2], strict=True) if waivable(reasons)}, now)
    return general.answers(snapshot, checks, found, waived, now=now, actor=actor, cipher=cipher)


async def check_sends(sessions: async_sessionmaker[AsyncSession], *,
                      checks: Sequence[Asked], actor: Principal, cipher: PiiCipher,
                      caches: Caches | None, log: SendLogWriter) -> list[str]:
    """Each check's answer as JSON text (render.py), in order, once every check's log row
    is committed. The usual case is answered in one pass (lane.py); the rest by the general
    path."""
    snapshot = await _snapshot(sessions, caches, checks, cipher, actor)
    now = utcnow()
    texts = normalize_all([check.content for check in checks])  # each normalised once
    answered = usual(snapshot, checks, now=now, actor=actor.sub, cipher=cipher, texts=texts)
    rest = general.unanswered(answered)
    if rest:
        explained = await _explained(sessions, caches, snapshot, [checks[n] for n in rest],
                                     [texts[n] for n in rest], now=now, actor=actor.sub,
                                     cipher=cipher)
        for n, found in zip(rest, explained, strict=True):
            answered[n] = found
    answers, rows = general.split(answered)
    await log.write(rows)
    return answers
