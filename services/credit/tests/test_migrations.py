from credit.models import Base
from porttrust_shared.migrations import drift


async def test_models_and_migrations_agree(db_session):
    connection = await db_session.connection()
    assert await connection.run_sync(drift, Base.metadata) == []
