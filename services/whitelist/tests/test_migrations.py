from porttrust_shared.migrations import drift
from whitelist.models import Base


async def test_models_match_the_migrated_database(app):
    async with app.state.engine.connect() as conn:
        differences = await conn.run_sync(drift, Base.metadata)
    assert differences == []
