import pytest
from sqlalchemy.exc import IntegrityError

from porttrust_shared.db import utcnow
from porttrust_shared.migrations import drift
from whitelist.models import Application, Base


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
