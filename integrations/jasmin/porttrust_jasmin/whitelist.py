"""A local copy of the whitelist, so a life-safety port keeps sending while PortTrust is down.

The copy holds every source address this gateway has sent from (plus any configured in
`PORTTRUST_WHITELIST_NUMBERS`) with its last known status from `POST /v1/status/batch`
(a port's entry covers its sub-ports, a customer's entry all its sub-ports: whitelist answers
that). It is refreshed in a background thread every `whitelist_refresh` seconds and kept in a
file, so it survives a restart of the interceptor daemon. A number never seen before PortTrust
went down is not in the copy: it is refused, as the closed policy says.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections import OrderedDict

from porttrust_jasmin.client import Client, Refused, Unavailable, log

BATCH = 1000  # whitelist's limit per status call
MAX_NUMBERS = 50_000


class WhitelistCopy:
    def __init__(self, client: Client, *, path: str = "", refresh_seconds: float = 60.0,
                 seed: tuple[str, ...] = ()) -> None:
        self.client, self.path, self.refresh_seconds = client, path, refresh_seconds
        self.known: OrderedDict[str, bool] = OrderedDict((n, False) for n in seed)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._worker: threading.Thread | None = None
        self._load()

    def covers(self, number: str) -> bool:
        with self._lock:
            return self.known.get(number, False)

    def seen(self, number: str) -> None:
        """Remember a source address; a new one is looked up at once, in the background."""
        with self._lock:
            new = number not in self.known
            if new:
                self.known[number] = False
                while len(self.known) > MAX_NUMBERS:
                    self.known.popitem(last=False)
            if self._worker is None:
                self._worker = threading.Thread(target=self._refresh_forever, daemon=True,
                                                name="porttrust-whitelist-copy")
                self._worker.start()
        if new:
            self._wake.set()

    def refresh(self) -> bool:
        """Ask whitelist for the status of every number in the copy; False if it could not."""
        with self._lock:
            numbers = list(self.known)
        fresh: dict[str, bool] = {}
        try:
            for i in range(0, len(numbers), BATCH):
                answer = self.client.post(self.client.config.whitelist_url + "/v1/status/batch",
                                          {"numbers": numbers[i:i + BATCH]})
                fresh.update({r["number"]: bool(r["whitelisted"]) for r in answer["results"]})
        except (Unavailable, Refused, KeyError, TypeError) as error:
            log.warning("porttrust whitelist copy not refreshed: %s", error)
            return False
        with self._lock:
            self.known.update(fresh)
        self._save()
        log.info("porttrust whitelist copy refreshed: %d of %d numbers whitelisted",
                 sum(fresh.values()), len(fresh))
        return True

    def close(self) -> None:
        """Stop the background refresh (the daemon's copy lives as long as the daemon)."""
        self._closed = True
        self._wake.set()
        if self._worker is not None:
            self._worker.join(timeout=5)

    def _refresh_forever(self) -> None:
        while not self._closed:
            try:
                ok = self.refresh()
            except Exception:  # the copy must outlive any one bad answer or disk error
                log.exception("porttrust whitelist copy refresh failed")
                ok = False
            # A failed refresh is tried again after a tenth of the interval.
            self._wake.wait(self.refresh_seconds if ok else self.refresh_seconds / 10)
            self._wake.clear()

    def _load(self) -> None:
        if not self.path or not os.path.exists(self.path):
            return
        try:
            with open(self.path, encoding="utf-8") as handle:
                stored = json.load(handle)
            self.known.update({str(n): bool(w) for n, w in stored["numbers"].items()})
        except (OSError, ValueError, KeyError, AttributeError) as error:
            log.warning("whitelist copy %s unreadable, starting empty: %s", self.path, error)

    def _save(self) -> None:
        if not self.path:
            return
        with self._lock:
            body = json.dumps({"saved_at": time.time(), "numbers": dict(self.known)})
        folder = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".whitelist-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(body)
        os.replace(temporary, self.path)
