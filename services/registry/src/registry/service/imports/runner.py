"""Running an import: inline for small files, as a tracked job for large ones.

A job commits once per chunk, progress and row errors with the chunk's rows, so a crash loses
at most one chunk and re-running the file finishes the rest without duplicates.
"""

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from porttrust_shared.db import pooled_postgres, utcnow
from porttrust_shared.pagination import Keyset
from porttrust_shared.pii import PiiCipher
from porttrust_shared.tokens import Principal
from registry.clients import BlacklistChecker
from registry.models import ImportJob, ImportRowError
from registry.schemas.imports import (
    ImportCounts,
    ImportError_,
    ImportJobRead,
    ImportResult,
    ImportRowResult,
)
from registry.service.imports.gc_pause import fewer_collections
from registry.service.imports.parsing import ParsedFile, RawRow
from registry.service.imports.planner import Checked, Outcome, Planner, Prepared, check_rows
from registry.service.imports.rows import RowError
from registry.service.imports.writer import store
from registry.service.scope import ensure_visible

log = logging.getLogger("registry.imports")
CHECK_SLICE = 500  # rows checked between two turns of the event loop (a few milliseconds)


@dataclass(frozen=True)
class Tools:
    actor: Principal
    credit: BlacklistChecker
    cipher: PiiCipher
    chunk_size: int = 10000


def _chunks(rows: list[RawRow], size: int) -> list[list[RawRow]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def _counts(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(o.outcome for o in outcomes)


async def import_inline(session: AsyncSession, *, parsed: ParsedFile, tools: Tools,
                        ) -> ImportResult:
    """Import a small file in the caller's transaction and report every row."""
    planner = Planner(tools.actor, tools.credit, tools.cipher, source="inline")
    outcomes: list[Outcome] = []
    with fewer_collections():
        for chunk in _chunks(parsed.rows, tools.chunk_size):
            outcomes += await store(session, planner, await planner.prepare(session, chunk))
    counts = _counts(outcomes)
    return ImportResult(
        encoding=parsed.encoding, total=len(parsed.rows),
        counts=ImportCounts(**{k: counts[k] for k in ImportCounts.model_fields}),
        errors=[ImportError_.model_validate(e, from_attributes=True)
                for o in outcomes for e in o.errors],
        results=[ImportRowResult(row=o.row, number=o.number, outcome=o.outcome,
                                 backfill=o.backfill) for o in outcomes])


async def create_job(sessions: async_sessionmaker[AsyncSession], *, parsed: ParsedFile,
                     actor: Principal) -> ImportJob:
    """The job row, committed at once so its progress can be read while it runs."""
    async with sessions() as session:
        job = ImportJob(actor=actor.sub, province=actor.province, status="queued",
                        total=len(parsed.rows), created_at=utcnow())
        session.add(job)
        await session.commit()
    return job


async def run_job(sessions: async_sessionmaker[AsyncSession], *, job_id: str,
                  rows: list[RawRow], tools: Tools) -> None:
    """Process the rows chunk by chunk, committing progress with each chunk."""
    planner = Planner(tools.actor, tools.credit, tools.cipher, source=job_id)
    with fewer_collections():
        try:
            await _run_chunks(sessions, job_id, planner, _chunks(rows, tools.chunk_size))
            await _finish(sessions, job_id, "done", None)
        except Exception:
            log.exception("import job failed", extra={"job_id": job_id})
            await _finish(sessions, job_id, "failed", "The import stopped; re-run the file.")


async def _run_chunks(sessions: async_sessionmaker[AsyncSession], job_id: str,
                      planner: Planner, chunks: list[list[RawRow]]) -> None:
    """Each chunk is checked (a task on this loop, a slice of rows at a time) while the one
    before is planned, and, on a PostgreSQL engine, planned on its own connection while the
    one before is stored and committed. Chunks are stored one after another, in order; a
    plan made while the chunk before it was being stored is made again if that store
    failed. No worker thread: one would hold the GIL whenever this loop waits on a socket
    and leave the loop waiting up to the switch interval to get it back."""
    overlap = _can_overlap(sessions)
    storing: asyncio.Future[bool] | None = None
    ahead = _check_ahead(chunks, 0)
    try:
        for index, chunk in enumerate(chunks):
            checked = await ahead
            ahead = _check_ahead(chunks, index + 1)
            session = sessions()
            try:
                prepared = await _prepare(session, planner, chunk, checked)
                if storing is not None and not await storing:
                    planner.forget()  # this plan may count on what the failed chunk created
                    await session.close()
                    prepared = await _prepare(session, planner, chunk, checked)
            except BaseException:
                await session.close()
                raise
            # The store closes the session.
            storing = asyncio.ensure_future(_store(session, job_id, planner, chunk, prepared))
            if not overlap:
                await storing
                storing = None
        if storing is not None:
            await storing
    finally:
        ahead.cancel()
        # Whatever went wrong, the chunk being stored ends before the job is marked.
        if storing is not None and not storing.done():
            await asyncio.gather(storing, return_exceptions=True)


def _can_overlap(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Two connections at once only on a PostgreSQL engine: SQLite has one writer, and a
    factory bound to one connection (tests) cannot run two statements at a time."""
    return pooled_postgres(sessions) is not None


def _check_ahead(chunks: list[list[RawRow]], index: int) -> "asyncio.Future[list[Checked]]":
    return asyncio.ensure_future(_checked(chunks[index] if index < len(chunks) else []))


async def _checked(rows: list[RawRow]) -> list[Checked]:
    """check_rows a slice at a time, letting the chunk being stored go on between slices."""
    checked: list[Checked] = []
    for start in range(0, len(rows), CHECK_SLICE):
        checked += check_rows(rows[start:start + CHECK_SLICE])
        await asyncio.sleep(0)
    return checked


async def _prepare(session: AsyncSession, planner: Planner, chunk: list[RawRow],
                   checked: list[Checked]) -> Prepared | None:
    """The chunk's plan, or None when reading for it failed."""
    try:
        return await planner.prepare(session, chunk, checked)
    except SQLAlchemyError:
        await session.rollback()
        log.warning("import chunk failed", exc_info=True)
        return None


async def _store(session: AsyncSession, job_id: str, planner: Planner, chunk: list[RawRow],
                 prepared: Prepared | None) -> bool:
    """Store a prepared chunk and commit it with the job's progress. False when storing
    failed: plans made meanwhile may count on what it did not create."""
    async with session:
        outcomes = None
        if prepared is not None:
            try:
                outcomes = await store(session, planner, prepared)
            except SQLAlchemyError:
                await session.rollback()
                planner.forget()
                log.warning("import chunk failed", extra={"job_id": job_id}, exc_info=True)
        kept = outcomes is not None or prepared is None
        if outcomes is None:
            outcomes = [Outcome(r.row, None, "failed", [RowError(
                r.row, None, "chunk_failed", None, "Storing this chunk failed; re-run the file.")])
                for r in chunk]
        counts = _counts(outcomes)
        await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            status="running", processed=ImportJob.processed + len(chunk),
            created=ImportJob.created + counts["created"],
            updated=ImportJob.updated + counts["updated"],
            unchanged=ImportJob.unchanged + counts["unchanged"],
            failed=ImportJob.failed + counts["failed"]))
        session.add_all([ImportRowError(job_id=job_id, row=e.row, number=e.number, code=e.code,
                                        field=e.field, detail=e.detail)
                         for o in outcomes for e in o.errors])
        await session.commit()
    return kept


async def _finish(sessions: async_sessionmaker[AsyncSession], job_id: str, status: str,
                  detail: str | None) -> None:
    async with sessions() as session:
        job = await session.get(ImportJob, job_id)
        if job is not None:
            job.status, job.detail, job.finished_at = status, detail, utcnow()
            await session.commit()


async def get_job(session: AsyncSession, *, job_id: str, actor: Principal, limit: int | None,
                  cursor: str | None, max_limit: int = 500) -> ImportJobRead:
    """A job of your province (an HQ job: HQ only), with a page of its row errors."""
    job = await session.get(ImportJob, job_id)
    job = ensure_visible(actor, job, job.province if job else None, "import job")
    errors, next_cursor = await Keyset(ImportRowError.id).page(
        session, select(ImportRowError).where(ImportRowError.job_id == job.id), cursor=cursor,
        limit=limit, max_limit=max_limit)
    return job_read(job, [ImportError_.model_validate(e) for e in errors], next_cursor)


def job_read(job: ImportJob, errors: list[ImportError_] | None = None,
             next_cursor: str | None = None) -> ImportJobRead:
    return ImportJobRead(
        job_id=job.id, status=job.status, total=job.total,
        processed=job.processed, created_at=job.created_at, finished_at=job.finished_at,
        detail=job.detail,
        counts=ImportCounts(created=job.created, updated=job.updated, unchanged=job.unchanged,
                            failed=job.failed),
        errors=errors or [], next_cursor=next_cursor)
