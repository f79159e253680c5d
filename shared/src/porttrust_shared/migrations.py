"""Alembic plumbing shared by every service's migration history."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection

from porttrust_shared.db import create_engine, is_postgres, is_sqlite


def alembic_config(service_dir: Path, url: str) -> Config:
    cfg = Config(str(service_dir / "alembic.ini"))
    cfg.set_main_option("script_location", str(service_dir / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(service_dir: Path, url: str, revision: str = "head") -> None:
    """Run in a thread of its own when called from async code: env.py starts its own loop."""
    command.upgrade(alembic_config(service_dir, url), revision)


def _run_sync(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=is_sqlite(connection),
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_run_sync, metadata)
        await conn.commit()
    await engine.dispose()


def run_env(metadata: MetaData, default_url: str) -> None:
    """Body of every service's migrations/env.py."""
    url = context.config.attributes.get("url") or default_url
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, metadata))


def _partitions(connection: Connection) -> set[str]:
    """PostgreSQL partitions of a partitioned table: storage, not tables a model declares."""
    if not is_postgres(connection):
        return set()
    rows = connection.execute(text("SELECT relname FROM pg_class WHERE relispartition"))
    return {row[0] for row in rows}


def drift(connection: Connection, metadata: MetaData) -> list[Any]:
    """Differences between the migrated database and the models (empty when in step)."""
    partitions = _partitions(connection)

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return not (type_ == "table" and reflected and compare_to is None and name in partitions)

    ctx = MigrationContext.configure(connection, opts={"compare_type": True,
                                                       "include_object": include})
    return list(compare_metadata(ctx, metadata))
