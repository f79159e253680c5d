"""The `Snapshot` a batch of checks reads: from memory when the change feed allows, with one
read session for whatever memory lacks; from the database alone otherwise."""

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared import heap
from porttrust_shared.changes import ChangeFeed
from porttrust_shared.db import read_session
from porttrust_shared.keyed import KeyedCache, keyed_cache
from porttrust_shared.tokens import Principal
from registry.service.scope import visible
from registry.service.send_check import state
from registry.service.send_check.phone_keys import PhoneKeys
from registry.service.send_check.verdict import Snapshot

Sessions = async_sessionmaker[AsyncSession]
# A load of this many sub-ports' templates (a warm-up, a refill after the listener came
# back) is frozen out of the garbage collector's way (porttrust_shared.heap): 50,000
# compiled templates walked by every full collection cost a third of the send check's time;
# and backed by huge pages where Linux allows (a check reads them in no order).
FREEZE_AFTER = 50


@dataclass(frozen=True)
class Caches:
    """Per sub-port number: its row (None: no such sub-port), its templates, its opt-outs;
    per province: when its back-fill campaign starts enforcing templates (None: no campaign;
    service/monitoring.py)."""

    subs: KeyedCache[str, state.SubPortView | None]
    templates: KeyedCache[str, Any]
    opt_outs: KeyedCache[str, PhoneKeys]
    enforcement: KeyedCache[str, dt.datetime | None]
    # One load at a time: requests that miss the same sub-ports wait for the first one's
    # load instead of each loading (and compiling) them again.
    loading: asyncio.Lock

    @classmethod
    def of(cls, feed: ChangeFeed, sessions: Sessions) -> "Caches | None":
        """The feed's one `Caches` (made on first use), or None where `sessions` may not be
        served from memory (`keyed_cache`: the feed off, or a test's own transaction)."""
        found = [keyed_cache(feed, f"send_check.{table}", sessions, table=table,
                             key_column=column)
                 for table, column in (("sub_ports", "number"),
                                       ("message_templates", "sub_port_number"),
                                       ("opt_outs", "sub_port_number"),
                                       ("backfill_campaigns", "province"))]
        if None in found:
            return None
        held: Caches | None = feed.__dict__.get("_send_check_caches")
        if held is None:
            held = feed.__dict__["_send_check_caches"] = cls(
                *found, asyncio.Lock())  # type: ignore[call-arg, arg-type]
        return held


def _visible(actor: Principal, subs: dict[str, state.SubPortView | None]
             ) -> dict[str, state.SubPortView]:
    """Another province's sub-port is as unknown as a missing one (`visible`, its rule read
    once for the batch)."""
    if visible(actor, None):  # the caller sees every province
        return {n: s for n, s in subs.items() if s is not None}
    return {n: s for n, s in subs.items() if s is not None and visible(actor, s.province)}


async def from_database(session: AsyncSession, numbers: set[str], indexes: set[str],
                        actor: Principal) -> Snapshot:
    subs = _visible(actor, dict(await state.load_sub_ports(session, numbers)))
    if not subs:
        return Snapshot()
    opted: dict[str, set[int]] = {n: set() for n in subs}
    for number, key in await state.opted_pairs(session, set(subs), indexes):
        opted[number].add(key)
    return Snapshot(subs, await state.load_templates(session, subs), dict(opted))


async def fill(session: AsyncSession, cache: KeyedCache[str, Any], token: int,
               load: Callable[..., Any], missing: list[str], found: dict[str, Any]) -> None:
    """`load` what `cache` lacks (`missing`: its keys) into `found`, and keep it in `cache`
    under `token` (taken before the load); a key `load` does not answer is kept as None."""
    loaded = await load(session, missing) if missing else {}
    for number in missing:
        value = loaded.get(number)
        found[number] = value
        cache.put(number, value, token)


async def from_memory(sessions: Sessions, caches: Caches, numbers: set[str],
                      actor: Principal) -> Snapshot | None:
    """None when memory may not answer now (the feed is not fresh)."""
    if caches.subs.token() is None:
        return None
    found: tuple[dict[str, Any], ...] = ({}, {}, {})
    if _wanted(caches, numbers, found):
        async with caches.loading:
            token = caches.subs.token()  # read before anything is loaded
            wanted = _wanted(caches, numbers, found)  # what the previous load left
            if token is None:
                return None
            if wanted:
                async with read_session(sessions) as session:
                    for (cache, load, missing), into in zip(wanted, found, strict=True):
                        await fill(session, cache, token, load, missing, into)
                if len(wanted[1][2]) >= FREEZE_AFTER:
                    heap.freeze(huge=True)
    subs, templates, opted = found
    return Snapshot(_visible(actor, subs), templates, opted)


def _wanted(caches: Caches, numbers: set[str], found: tuple[dict[str, Any], ...]
            ) -> list[tuple[KeyedCache[str, Any], Callable[..., Any], list[str]]] | None:
    """Per cache, what memory lacks (and `found` gets what it holds); None: nothing."""
    sources: list[tuple[KeyedCache[str, Any], Callable[..., Any]]] = [
        (caches.subs, state.load_sub_ports), (caches.templates, state.load_templates),
        (caches.opt_outs, state.load_opt_outs)]
    wanted = [(cache, load, cache.get_many(numbers, into))
              for (cache, load), into in zip(sources, found, strict=True)]
    return wanted if any(missing for _, _, missing in wanted) else None
