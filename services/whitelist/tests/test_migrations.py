import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from porttrust_shared.db import utcnow
from porttrust_shared.migrations import drift, upgrade
from whitelist.models import Application, Base

SERVICE_DIR = Path(__file__).resolve().parents[1]


async def test_models_match_the_migrated_database(app):
    async with app.state.engine.connect() as conn:
        differences = await conn.run_sync(drift, Base.metadata)
    assert differences == []


async def test_database_refuses_a_second_pending_application_for_a_number(db_session):
    for _ in range(2):
        db_session.add(Application(number="106901234567", province="44", category="life_safety",
                                   justification="x", status="pending", applicant="user:a",
                                   created_at=utcnow()))
    with pytest.raises(IntegrityError):
        await db_session.flush()


def test_live_entries_are_announced_again_with_their_province(tmp_path):
    """Migration 0030: registry learns the province of entries granted before events
    carried it; a revoked entry is not announced."""
    url, path = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", tmp_path / "w.db"
    upgrade(SERVICE_DIR, url, "0004")
    with sqlite3.connect(path) as db:
        for ident, revoked in (("live", None), ("gone", "2026-01-02 00:00:00")):
            db.execute("INSERT INTO entries (id, number, province, category, application_id, "
                       "applicant, granted_by, created_at, revoked_at) VALUES "
                       "(?, '10690123', '44', 'life_safety', 'a', 'x', 'y', "
                       "'2026-01-01 00:00:00', ?)", (ident, revoked))
    upgrade(SERVICE_DIR, url)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT destination, topic, payload FROM outbox_events").fetchall()
    assert [(d, t, json.loads(p)) for d, t, p in rows] == [(
        "registry", "whitelist.granted",
        {"entry_id": "live", "number": "10690123", "uscc": None, "province": "44",
         "category": "life_safety", "expires_at": None})]
