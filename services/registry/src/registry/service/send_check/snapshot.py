"""The `Snapshot` a batch of checks reads: from memory when the change feed allows, with one
read session for whatever memory lacks; from the database alone otherwise."""

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared.changes import ChangeFeed
from porttrust_shared.db import read_session_scope
from porttrust_shared.keyed import KeyedCache, keyed_cache
from porttrust_shared.tokens import Principal
from registry.service.common import visible
from registry.service.send_check import state
from registry.service.send_check.verdict import Snapshot

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Caches:
    """Per sub-port number: its row (None: no such sub-port), its templates, its opt-outs."""

    subs: KeyedCache[str, state.SubPortView | None]
    templates: KeyedCache[str, Any]
    opt_outs: KeyedCache[str, frozenset[int]]

    @classmethod
    def of(cls, feed: ChangeFeed, sessions: Sessions) -> "Caches | None":
        found = [keyed_cache(feed, f"send_check.{table}", sessions, table=table,
                             key_column=column)
                 for table, column in (("sub_ports", "number"),
                                       ("message_templates", "sub_port_number"),
                                       ("opt_outs", "sub_port_number"))]
        return None if None in found else cls(*found)  # type: ignore[arg-type]

    def memory_bytes(self) -> int:
        """Roughly what the opt-out sets hold (the bulk at a million opt-outs)."""
        return sum(64 * len(keys) for keys in self.opt_outs.values())


def _visible(actor: Principal, subs: dict[str, state.SubPortView | None]
             ) -> dict[str, state.SubPortView]:
    """Another province's sub-port is as unknown as a missing one."""
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


def _missing(cache: KeyedCache[str, Any], numbers: Iterable[str],
             found: dict[str, Any]) -> list[str]:
    missing = []
    for number in numbers:
        held, value = cache.get(number)
        if held:
            found[number] = value
        else:
            missing.append(number)
    return missing


async def _fill(session: AsyncSession, cache: KeyedCache[str, Any], token: int,
                load: Callable[..., Any], missing: list[str], found: dict[str, Any]) -> None:
    loaded = await load(session, missing) if missing else {}
    for number in missing:
        value = loaded.get(number)
        found[number] = value
        cache.put(number, value, token)


async def from_memory(sessions: Sessions, caches: Caches, numbers: set[str],
                      actor: Principal) -> Snapshot | None:
    """None when memory may not answer now (the feed is not fresh)."""
    token = caches.subs.token()
    if token is None:
        return None
    subs: dict[str, Any] = {}
    templates: dict[str, Any] = {}
    opted: dict[str, Any] = {}
    wanted = [(caches.subs, state.load_sub_ports, _missing(caches.subs, numbers, subs)),
              (caches.templates, state.load_templates,
               _missing(caches.templates, numbers, templates)),
              (caches.opt_outs, state.load_opt_outs, _missing(caches.opt_outs, numbers, opted))]
    if any(missing for _, _, missing in wanted):
        async with contextlib.aclosing(read_session_scope(sessions)) as scope:
            async for session in scope:
                for (cache, load, missing), found in zip(wanted, (subs, templates, opted),
                                                          strict=True):
                    await _fill(session, cache, token, load, missing, found)
    return Snapshot(_visible(actor, subs), templates, opted)
