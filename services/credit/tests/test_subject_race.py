"""Two requests meeting a new subject at once, on PostgreSQL (each its own transaction, as
in production): both get the one subject, neither a 409 from the unique key."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from credit.service.subjects import SubjectKey, get_or_create
from porttrust_dev.testing import drop_postgres, migrated_database, separate_engine

pytestmark = pytest.mark.postgres

SERVICE_DIR = Path(__file__).resolve().parents[1]
KEY = SubjectKey("user_unit", "91440300000000001H")
NO_CIPHER: Any = None  # a USCC subject carries no ID number to encrypt


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = await migrated_database("credit_subject_race", SERVICE_DIR, tmp_path)
    async with separate_engine(url) as engine:
        yield engine
    await drop_postgres(url)


async def test_a_subject_two_transactions_create_at_once_is_one_subject(engine):
    async with AsyncSession(engine) as first, AsyncSession(engine) as second:
        made = (await get_or_create(first, KEY, NO_CIPHER)).id
        racing = asyncio.create_task(get_or_create(second, KEY, NO_CIPHER))
        await asyncio.sleep(0.3)  # the second insert now waits on the first's unique key
        await first.commit()
        assert (await racing).id == made
