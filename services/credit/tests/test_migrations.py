import sqlite3
from pathlib import Path

from credit.models import Base
from porttrust_shared.migrations import drift, upgrade

SERVICE_DIR = Path(__file__).resolve().parents[1]


async def test_models_and_migrations_agree(db_session):
    connection = await db_session.connection()
    assert await connection.run_sync(drift, Base.metadata) == []


def test_existing_entries_get_their_subject_s_kind_and_key(tmp_path):
    url, path = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}", tmp_path / "c.db"
    upgrade(SERVICE_DIR, url, "0002")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO subjects (id, kind, lookup_key, created_at) "
                   "VALUES ('s1', 'holder', '91440300000000001H', '2026-01-01')")
        db.execute("INSERT INTO blacklist_entries (id, subject_id, origin, reason, evidence, "
                   "sanctions, listed_by, listed_at) VALUES ('e1', 's1', 'manual', 'r', 'e', "
                   "'[]', 'x', '2026-01-01')")
    upgrade(SERVICE_DIR, url)
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT subject_kind, subject_lookup_key FROM blacklist_entries").fetchone()
    assert row == ("holder", "91440300000000001H")
