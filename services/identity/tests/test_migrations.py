"""The migrated database matches the models: a model change without a migration fails here."""

from identity.models import Base
from porttrust_shared.migrations import drift


async def test_models_and_migrations_do_not_drift(app):
    async with app.state.engine.connect() as conn:
        differences = await conn.run_sync(drift, Base.metadata)
    assert differences == []
