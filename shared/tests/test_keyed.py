"""KeyedCache.get_many answers, key by key, what get answers, whatever changes were heard."""

import random
import time
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from porttrust_shared.changes import ChangeFeed
from porttrust_shared.keyed import KeyedCache

ENGINE = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # never used


def live_feed() -> ChangeFeed:
    feed = ChangeFeed(ENGINE)
    feed.live, feed.confirmed_at = True, time.monotonic()
    return feed


def test_get_many_is_get_for_every_key_under_every_kind_of_change():
    rng = random.Random(3)
    keys = [f"k{n}" for n in range(40)]
    for _ in range(300):
        feed = live_feed()
        cache: KeyedCache[str, Any] = KeyedCache(feed, "opt_outs")
        other: KeyedCache[str, Any] = KeyedCache(feed, "sub_ports")
        for _ in range(rng.randint(1, 12)):
            step = rng.randrange(5)
            if step == 0:
                for key in rng.sample(keys, 5):
                    cache.put(key, key.upper(), feed.clock)
                    other.put(key, key, feed.clock)
            elif step == 1:  # some keys of one table changed
                feed.changed({"opt_outs": set(rng.sample(keys, 3))})
            elif step == 2:  # a whole table changed
                feed.changed({rng.choice(["opt_outs", "sub_ports"]): None})
            elif step == 3:  # everything (a reconnect, an unknown write)
                feed.bump()
            else:  # another table's keys
                feed.changed({"sub_ports": set(rng.sample(keys, 3))})
        for held in (cache, other):
            into: dict[str, Any] = {}
            missing = held.get_many(keys, into)
            for key in keys:
                found, value = held.get(key)
                assert (key not in missing) is found
                assert into.get(key) == (value if found else None)
                assert (key in into) is found


def test_get_many_serves_nothing_while_the_feed_is_not_fresh():
    feed = live_feed()
    cache: KeyedCache[str, Any] = KeyedCache(feed, "opt_outs")
    cache.put("a", 1, feed.clock)
    into: dict[str, Any] = {}
    assert cache.get_many(["a"], into) == [] and into == {"a": 1}
    feed.live = False
    into = {}
    assert cache.get_many(["a"], into) == ["a"] and into == {}
