"""Send-log and MO retention (R6): old rows go, nothing younger than six calendar months and
a day ever does (NOW - 185 days is 28 May, six months and a day before 29 November)."""

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from porttrust_shared.db import is_postgres, is_sqlite, utcnow
from porttrust_shared.retention import retention_cutoff
from registry.models import MoMessage, SendLogEntry
from registry.service.send_log import (
    ensure_partitions,
    purge_expired,
    purge_mo_messages,
)
from registry.settings import Settings

NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


async def append(session, entries):
    session.add_all(entries)
    await session.flush()


def entry(age_days: float) -> SendLogEntry:
    return SendLogEntry(checked_at=NOW - dt.timedelta(days=age_days),
                        sub_port_number="106901234567", province="44", recipient_index=None,
                        recipient_masked="138****5678",
                        allowed=True, reasons=[], template_id=None, content_digest="0" * 64,
                        content_length=10, actor="gateway")


async def ages(db_session) -> list[int]:
    rows = (await db_session.execute(select(SendLogEntry.checked_at))).scalars().all()
    return sorted(round((NOW - at).total_seconds() / 86400) for at in rows)


async def test_rows_past_retention_are_deleted(db_session):
    await append(db_session, [entry(1), entry(200), entry(400)])
    removed = await purge_expired(db_session, retention_months=12, now=NOW)
    assert removed == 1
    assert await ages(db_session) == [1, 200]


async def test_rows_younger_than_six_months_and_a_day_survive_even_a_lower_setting(db_session):
    await append(db_session, [entry(184), entry(186)])
    await purge_expired(db_session, retention_months=1, now=NOW)
    assert await ages(db_session) == [184]


async def test_row_of_182_days_is_kept_where_180_days_would_have_dropped_it(db_session):
    await append(db_session, [entry(182)])
    assert await purge_expired(db_session, retention_months=6, now=NOW) == 0


async def test_row_written_at_the_cutoff_is_kept(db_session):
    await append(db_session, [entry(185)])
    assert await purge_expired(db_session, retention_months=6, now=NOW) == 0


@pytest.mark.parametrize("months", [0, 3, 5])
def test_retention_setting_below_six_months_is_refused(months):
    with pytest.raises(ValueError, match="6 calendar months"):
        Settings(retention_months=months)


def mo(age_days: float) -> MoMessage:
    return MoMessage(sub_port_number="106901234567", province="44", phone_index="i",
                     phone_enc="e", text_enc="t", opt_out=False, actor="gateway",
                     received_at=NOW - dt.timedelta(days=age_days))


async def test_mo_messages_past_six_months_and_a_day_are_deleted(db_session):
    db_session.add_all([mo(184), mo(186)])
    await db_session.flush()
    assert await purge_mo_messages(db_session, retention_months=6, now=NOW) == 1
    left = (await db_session.execute(select(MoMessage.received_at))).scalars().all()
    assert [round((NOW - at).total_seconds() / 86400) for at in left] == [184]


async def test_send_log_grows_by_one_row_per_check(client, headers, db_session):
    count = select(func.count()).select_from(SendLogEntry)
    before = (await db_session.execute(count)).scalar_one()
    await client.post("/v1/send-checks", json={
        "sub_port": "106909999999", "recipient": "13812345678", "content": "【某某】你好"},
        headers=headers("gateway"))
    assert (await db_session.execute(count)).scalar_one() == before + 1


def test_cutoff_never_reaches_into_the_last_six_months():
    assert retention_cutoff(utcnow(), 0) <= utcnow() - dt.timedelta(days=182)


def needs_postgres(db_session) -> None:
    if not is_postgres(db_session):
        pytest.skip("monthly partitions exist on PostgreSQL only")


async def exists(db_session, name: str) -> bool:
    found = await db_session.execute(text("SELECT to_regclass(:n)"), {"n": name})
    return found.scalar() is not None


async def test_retention_job_creates_this_and_the_next_months_partitions(db_session):
    needs_postgres(db_session)
    created = await ensure_partitions(db_session, now=NOW)
    assert created == ["send_log_p202611", "send_log_p202612", "send_log_p202701"]


async def test_rows_land_in_their_month_partition(db_session):
    needs_postgres(db_session)
    await ensure_partitions(db_session, now=NOW, months_ahead=0)
    await append(db_session, [entry(1)])
    count = await db_session.execute(text("SELECT count(*) FROM send_log_p202611"))
    assert count.scalar_one() == 1


async def test_expired_month_is_dropped_whole(db_session):
    needs_postgres(db_session)
    await ensure_partitions(db_session, now=NOW - dt.timedelta(days=400), months_ahead=0)
    await append(db_session, [entry(400), entry(399)])
    removed = await purge_expired(db_session, retention_months=6, now=NOW)
    assert removed == 2
    assert not await exists(db_session, "send_log_p202510")


async def test_month_straddling_the_cutoff_is_kept_and_trimmed_by_age(db_session):
    needs_postgres(db_session)
    await ensure_partitions(db_session, now=NOW - dt.timedelta(days=185), months_ahead=0)
    await append(db_session, [entry(186), entry(184)])
    await purge_expired(db_session, retention_months=6, now=NOW)
    assert await exists(db_session, "send_log_p202605")
    assert await ages(db_session) == [184]


async def test_partitions_are_a_no_op_on_sqlite(db_session):
    if not is_sqlite(db_session):
        pytest.skip("SQLite behaviour")
    assert await ensure_partitions(db_session, now=NOW) == []
