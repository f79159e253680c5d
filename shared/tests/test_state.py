"""The app's state, typed: made by create_service_app, read through `of` and state_dep."""

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from porttrust_shared.deps import Reads
from porttrust_shared.state import ServiceState, state_dep


class OtherState(ServiceState):
    extra: str


def test_the_app_state_is_a_service_state_holding_the_idempotency_model(app, settings):
    state = ServiceState.of(app)
    assert state.settings is settings
    assert state.idempotency_model is not None
    assert state.tasks == {}


def test_reading_the_state_as_another_type_names_the_wiring_mistake(app):
    with pytest.raises(TypeError, match="state=OtherState"):
        OtherState.of(app)


def test_a_bare_app_has_no_service_state():
    with pytest.raises(TypeError):
        ServiceState.of(FastAPI())


async def test_state_dep_hands_out_what_the_state_holds(app):
    class Request:  # what the dependency reads: the app
        pass

    request = Request()
    request.app = app
    assert await state_dep(ServiceState, lambda s: s.cipher)(request) is app.state.cipher


async def test_reads_open_a_read_session_of_the_apps_factory(app, db_session, item_model):
    db_session.add(item_model(name="read-me"))
    await db_session.flush()
    reads = Reads(ServiceState.of(app))
    async with reads.session() as session:
        assert await session.scalar(select(func.count()).select_from(item_model)) >= 1
    # Bound to the test's shared transaction: no other connection could see it, so no cache.
    assert reads.cache("items", tables=("items",)) is None
