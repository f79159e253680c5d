"""Receiving an import file: into a size-capped temporary file, a few at a time per client.

The upload is written to a SpooledTemporaryFile as it arrives (in memory up to
SPOOL_IN_MEMORY, on disk beyond), never gathered into one bytes object while it streams,
and refused (413) the moment it passes REGISTRY_IMPORT_MAX_BYTES. It is read only after the
caller's token and role were checked. Each client runs at most
REGISTRY_IMPORT_MAX_CONCURRENT imports at once (a job counts until it ends); one more is a
429 with Retry-After. The count is per process.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import IO

from starlette.requests import Request

from porttrust_shared.errors import PayloadTooLarge, Problem

SPOOL_IN_MEMORY = 1024 * 1024


class TooManyImports(Problem):
    type = "https://porttrust.dev/problems/too-many-imports"
    title, status = "Too many imports at once", 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__("This client already runs as many imports as allowed; retry later.",
                         headers={"Retry-After": str(retry_after)})


async def spool_upload(request: Request, *, max_bytes: int) -> IO[bytes]:
    """The request body in a temporary file, positioned at its start (413 over max_bytes)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge("The file is larger than this import accepts.")
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


class Slot:
    """One client's import in progress; `keep()` hands its release to a job that outlives
    the request."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release, self.kept = release, False

    def keep(self) -> Callable[[], None]:
        self.kept = True
        return self._release


class ImportSlots:
    def __init__(self, *, per_client: int, retry_after: int) -> None:
        self.per_client, self.retry_after = per_client, retry_after
        self._held: Counter[str] = Counter()

    @asynccontextmanager
    async def hold(self, client: str) -> AsyncIterator[Slot]:
        """A slot for `client` while the block runs (and after, if kept); 429 when none."""
        if self._held[client] >= self.per_client:
            raise TooManyImports(retry_after=self.retry_after)
        self._held[client] += 1
        slot = Slot(lambda: self._give_back(client))
        try:
            yield slot
        finally:
            if not slot.kept:
                self._give_back(client)

    def _give_back(self, client: str) -> None:
        self._held[client] -= 1
        if self._held[client] <= 0:
            del self._held[client]

    def held(self, client: str) -> int:
        return self._held[client]
