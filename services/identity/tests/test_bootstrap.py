"""First start: the admin user from PORTTRUST_ADMIN_PASSWORD, or a generated password printed
once on the console and never logged."""

import logging
import re

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from identity import main
from identity.models import Client, User
from identity.settings import Settings

ADMIN_PASSWORD = "admin password from env"


@pytest.fixture
def admin_password(app, settings):
    """admin_password(value) → the app's settings carry it (None: unset) for this test."""

    def set_to(value):
        secret = None if value is None else SecretStr(value)
        app.state.settings = settings.model_copy(update={"admin_password": secret})

    yield set_to
    app.state.settings = settings


def test_the_admin_password_is_read_from_porttrust_admin_password(monkeypatch):
    monkeypatch.setenv("PORTTRUST_ADMIN_PASSWORD", ADMIN_PASSWORD)
    assert Settings().admin_password.get_secret_value() == ADMIN_PASSWORD
    assert ADMIN_PASSWORD not in repr(Settings())


async def _sign_in(client, password):
    return await client.post("/v1/token", data={
        "grant_type": "password", "username": "admin", "password": password})


async def test_admin_gets_the_password_from_the_settings(client, app, admin_password, capsys):
    admin_password(ADMIN_PASSWORD)
    await main._bootstrap(app)
    response = await _sign_in(client, ADMIN_PASSWORD)
    assert response.status_code == 200
    assert ADMIN_PASSWORD not in capsys.readouterr().out


async def test_admin_is_an_hq_admin(app, db_session, admin_password):
    admin_password(ADMIN_PASSWORD)
    await main._bootstrap(app)
    admin = await db_session.scalar(select(User).where(User.username == "admin"))
    assert admin.roles == ["hq_admin"]
    assert admin.province == "HQ"


async def test_a_generated_password_is_printed_once_and_works(client, app, admin_password,
                                                              capsys):
    admin_password(None)
    await main._bootstrap(app)
    printed = re.search(r"generated password: (\S+)", capsys.readouterr().out)
    assert printed is not None
    assert (await _sign_in(client, printed.group(1))).status_code == 200
    await main._bootstrap(app)
    assert "password" not in capsys.readouterr().out


async def test_a_generated_password_is_never_logged(app, db_session, admin_password, capsys,
                                                    caplog):
    admin_password(None)
    with caplog.at_level(logging.DEBUG):
        await main._bootstrap(app)
    password = re.search(r"generated password: (\S+)", capsys.readouterr().out).group(1)
    assert password not in caplog.text


async def test_a_short_admin_password_is_refused_without_quoting_it(app, db_session,
                                                                   admin_password):
    admin_password("short-pw")
    with pytest.raises(ValueError) as caught:
        await main._bootstrap(app)
    assert "short-pw" not in str(caught.value)


async def test_bootstrap_creates_the_configured_service_clients(app, db_session, admin_password,
                                                                settings):
    admin_password(ADMIN_PASSWORD)
    spec = ('[{"client_id": "registry", "client_secret": "registry-secret-0123456789",'
            ' "roles": ["service"]}]')
    app.state.settings = app.state.settings.model_copy(update={"bootstrap_clients": spec})
    try:
        await main._bootstrap(app)
        await main._bootstrap(app)
    finally:
        app.state.settings = settings
    rows = (await db_session.scalars(select(Client).where(Client.client_id == "registry"))).all()
    assert [r.roles for r in rows] == [["service"]]
