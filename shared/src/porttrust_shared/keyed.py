"""Read caches per key of one table, for state that must outlive unrelated changes.

`changes.ReadCache` drops every value at any change, which suits a rarely written table. The
send check keeps, per sub-port, its templates and the phones that opted out: a million rows
in all, while opt-outs arrive all day. A `KeyedCache` entry is dropped only by a change to its
own key (or to its whole table, or by a reconnect); everything else is as `changes` says:

- A change this process commits moves the stamps on before the writing request answers
  (the flush names the keys it wrote: `changes.KEY_COLUMNS`), so nobody reads their own
  write back stale.
- A change committed elsewhere is heard through its notification: `watch_keys` installs
  statement-level triggers that notify the table and the distinct keys the statement wrote
  (the whole table past `changes.MAX_KEYS` keys, or for TRUNCATE).
- Nothing is served while the listener is down, and nothing older than the feed's max_age:
  a value is served only while the listening connection has answered a query sent within
  max_age (it does so four times per max_age), and every notification committed before that query
  was sent had arrived by its answer. A value thus reflects every change committed more than
  max_age ago, without being reloaded every max_age seconds: a million opt-outs stay loaded.
- A load that races a change to its key is not kept (the clock is read before the load).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from porttrust_shared.changes import CHANNEL, KEY_COLUMNS, ChangeFeed
from porttrust_shared.db import is_postgres

K = TypeVar("K", bound=str)
V = TypeVar("V")
PAYLOAD_BYTES = 7000  # pg_notify's payload limit is 8000 bytes


class KeyedCache(Generic[K, V]):
    """Values by key of `table`; get() → (held, value), token() before a load, put() after."""

    def __init__(self, feed: ChangeFeed, table: str) -> None:
        self.feed, self.table = feed, table
        self._entries: dict[K, tuple[int, V]] = {}

    def token(self) -> int | None:
        return self.feed.clock if self.feed.fresh() else None

    def get(self, key: K) -> tuple[bool, V | None]:
        entry = self._entries.get(key)
        if entry is None or not self.feed.fresh() or entry[0] < self.feed.stamp(self.table, key):
            return False, None
        return True, entry[1]

    def get_many(self, keys: Iterable[K], into: dict[K, V | None]) -> list[K]:
        """`get` of each key: what is held goes `into`, the keys of the rest are returned."""
        feed = self.feed
        if not feed.fresh():
            return list(keys)
        # `feed.stamp(table, key)`, with its two parts that do not depend on the key read once.
        base = max(feed.floor, feed.table_stamps.get(self.table, 0))
        entries, stamps, table, missing = self._entries, feed.key_stamps, self.table, []
        for key in keys:
            entry = entries.get(key)
            if entry is None or entry[0] < base or (stamps and entry[0] < stamps.get(
                    (table, key), 0)):
                missing.append(key)
            else:
                into[key] = entry[1]
        return missing

    def put(self, key: K, value: V, token: int | None) -> None:
        if token is None or not self.feed.fresh() or token < self.feed.stamp(self.table, key):
            return
        if len(self._entries) >= self.feed.max_entries:
            self._entries.clear()  # bounded memory; refilled by reads
        self._entries[key] = (token, value)

    def values(self) -> list[V]:
        return [value for _, value in self._entries.values()]

    def clear(self) -> None:
        self._entries.clear()


def keyed_cache(feed: ChangeFeed, name: str, sessions: Any, *, table: str,
                key_column: str) -> KeyedCache[Any, Any] | None:
    """The named keyed cache on `feed` (made on first use); None when the feed cannot serve
    from memory, as `ChangeFeed.cache` says (off, SQLite, or a test's shared transaction)."""
    if not feed.enabled or (sessions is not None and sessions.kw.get("bind") is not feed.engine):
        return None
    caches: dict[str, KeyedCache[Any, Any]] = feed.__dict__.setdefault("_keyed", {})
    if name not in caches:
        KEY_COLUMNS[table] = key_column
        caches[name] = KeyedCache(feed, table)
    return caches[name]


def key_trigger_sql(table: str, key_column: str) -> list[str]:
    """DDL (PostgreSQL): each statement writing `table` notifies its distinct keys."""
    function = f"""CREATE OR REPLACE FUNCTION porttrust_notify_keys() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE keys text[]; query text := 'SELECT array_agg(DISTINCT k) FROM (SELECT %1$I::text
            AS k FROM changed_rows';
        BEGIN
          IF TG_OP = 'UPDATE' THEN query := query || ' UNION SELECT %1$I::text FROM old_rows';
          END IF;
          EXECUTE format(query || ') AS written', TG_ARGV[0]) INTO keys;
          IF keys IS NULL THEN RETURN NULL; END IF;
          IF octet_length(array_to_string(keys, ',')) > {PAYLOAD_BYTES} THEN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
          ELSE
            PERFORM pg_notify('{CHANNEL}', json_build_object('table', TG_TABLE_NAME,
                                                             'keys', keys)::text);
          END IF;
          RETURN NULL;
        END $$"""
    each = "FOR EACH STATEMENT EXECUTE FUNCTION"
    return [function, *drop_key_trigger_sql(table),
            f"CREATE TRIGGER {table}_keys_ins AFTER INSERT ON {table} REFERENCING NEW TABLE"
            f" AS changed_rows {each} porttrust_notify_keys('{key_column}')",
            f"CREATE TRIGGER {table}_keys_upd AFTER UPDATE ON {table} REFERENCING OLD TABLE AS"
            f" old_rows NEW TABLE AS changed_rows {each} porttrust_notify_keys('{key_column}')",
            f"CREATE TRIGGER {table}_keys_del AFTER DELETE ON {table} REFERENCING OLD TABLE"
            f" AS changed_rows {each} porttrust_notify_keys('{key_column}')",
            f"CREATE TRIGGER {table}_keys_trunc AFTER TRUNCATE ON {table} {each}"
            f" porttrust_notify_change()"]


def drop_key_trigger_sql(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_keys_{kind} ON {table}"
            for kind in ("ins", "upd", "del", "trunc")]


def watch_keys(op: Any, table: str, key_column: str) -> None:
    """In an Alembic migration: notify writes to `table` with their keys (PostgreSQL only).
    Needs porttrust_notify_change() (any earlier `watch_tables` made it)."""
    if is_postgres(op.get_bind()):
        for statement in key_trigger_sql(table, key_column):
            op.execute(statement)


def unwatch_keys(op: Any, table: str) -> None:
    if is_postgres(op.get_bind()):
        for statement in drop_key_trigger_sql(table):
            op.execute(statement)
