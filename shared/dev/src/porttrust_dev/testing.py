"""pytest plugin: a migrated database per service, each test rolled back, tokens on demand.

A service's `tests/conftest.py` defines one fixture, `service_spec`, and gets `app`,
`client`, `db_session`, `token` and `headers` from here. The database is PostgreSQL wherever
one answers (`databases.choose_test_database`, decided before any conftest is read): with
PORTTRUST_TEST_POSTGRES_URL set (an admin URL such as
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), or a server found on 127.0.0.1:5432,
every service is tested on a fresh PostgreSQL database and an unreachable server fails the
run; PORTTRUST_TEST_DB=sqlite, or no server, runs on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from porttrust_dev.databases import (
    POSTGRES_ENV,
    TEST_DB_ENV,
    choose_test_database,
    drop_databases,
    fresh_postgres,
)
from porttrust_shared.clients import ServiceClient
from porttrust_shared.db import create_engine
from porttrust_shared.migrations import upgrade
from porttrust_shared.settings import ServiceSettings
from porttrust_shared.tokens import generate_private_key, issue_token, public_jwk

TEST_ISSUER = "http://identity.test"
TEST_KID = "test-key-1"
_DATABASE = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Choose the database before any conftest or test module reads the environment."""
    try:
        early_config.stash[_DATABASE] = choose_test_database()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@pytest.mark.postgres`: the test needs PostgreSQL and skips on SQLite."""
    if item.get_closest_marker("postgres") and not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"needs PostgreSQL ({POSTGRES_ENV}, or a server on 127.0.0.1:5432)")


def pytest_report_header(config: pytest.Config) -> str:
    return "database: " + config.stash.get(_DATABASE, "chosen by the environment")


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    service_dir: Path
    settings_cls: type[ServiceSettings]
    create_app: Callable[[Any], FastAPI]
    extra_settings: tuple[tuple[str, Any], ...] = ()


class TokenFactory:
    def __init__(self, key: Any, kid: str) -> None:
        self.key, self.kid = key, kid

    def __call__(self, *roles: str, province: str = "HQ", audience: Iterable[str] = (),
                 sub: str | None = None, lifetime: int = 600, owner: str | None = None) -> str:
        return issue_token(self.key, kid=self.kid, issuer=TEST_ISSUER,
                           subject=sub or f"user-{uuid.uuid4().hex[:8]}", audience=audience,
                           roles=roles, province=province, lifetime=lifetime, owner=owner)


@pytest.fixture(scope="session")
def signing_key() -> Any:
    return generate_private_key()


@pytest.fixture(scope="session")
def jwks_file(tmp_path_factory: pytest.TempPathFactory, signing_key: Any) -> Path:
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(signing_key, TEST_KID)]}))
    return path


@pytest.fixture(scope="session")
def token_factory(signing_key: Any) -> TokenFactory:
    return TokenFactory(signing_key, TEST_KID)


async def fresh_test_database(name: str) -> str:
    """A new, empty PostgreSQL database `name` on the tests' server (PORTTRUST_TEST_POSTGRES_URL;
    dropped first if it exists): its URL. An unreachable server fails the test."""
    try:
        return await fresh_postgres(os.environ[POSTGRES_ENV], name)
    except Exception as exc:
        pytest.fail(f"PostgreSQL selected by {POSTGRES_ENV} but unreachable: {exc!r} "
                    f"({TEST_DB_ENV}=sqlite runs the tests on SQLite)", pytrace=False)


async def drop_postgres(url: str) -> None:
    """Drop the database `url` names (one a test made with migrated_database or the like),
    connecting through the admin URL in PORTTRUST_TEST_POSTGRES_URL."""
    await drop_databases(os.environ[POSTGRES_ENV], [str(make_url(url).database)])


@asynccontextmanager
async def separate_engine(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine of its own on `url` (no pool), disposed after the block: another
    connection's view, as psql or another replica sees the database, outside the app's
    sessions and the test's transaction."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        await engine.dispose()


async def migrated_database(name: str, service_dir: Path, tmp: Path) -> str:
    """A fresh database for `name`, built only by its Alembic history."""
    if os.environ.get(POSTGRES_ENV):
        url = await fresh_test_database(f"pt_test_{name}_{os.getpid()}")
    else:
        url = f"sqlite+aiosqlite:///{tmp / (name + '.db')}"
    await asyncio.to_thread(upgrade, service_dir, url)
    return url


@pytest.fixture(scope="session")
async def service_cache() -> AsyncIterator[dict[tuple[str, str], Any]]:
    """Each service's database, settings and app, built once per test session.

    `database_url`, `settings` and `app` are function-scoped views of this cache: as
    session-scoped fixtures pytest would build them for the first service's `service_spec`
    and hand that same app to every other service in the run.
    """
    cache: dict[tuple[str, str], Any] = {}
    yield cache
    for (kind, _name), value in cache.items():
        if kind == "app":
            await value.state.engine.dispose()
    # Each run makes its databases afresh (named by pid): drop them rather than pile them up.
    for (kind, _name), value in cache.items():
        if kind == "database_url" and not value.startswith("sqlite"):
            await drop_postgres(value)


@pytest.fixture
async def database_url(service_spec: ServiceSpec, tmp_path_factory: pytest.TempPathFactory,
                       service_cache: dict[tuple[str, str], Any]) -> str:
    key = ("database_url", service_spec.name)
    if key not in service_cache:
        service_cache[key] = await migrated_database(
            service_spec.name, service_spec.service_dir,
            tmp_path_factory.mktemp(f"db-{service_spec.name}"))
    url: str = service_cache[key]
    return url


@pytest.fixture
def settings(service_spec: ServiceSpec, database_url: str, jwks_file: Path,
             tmp_path_factory: pytest.TempPathFactory,
             service_cache: dict[tuple[str, str], Any]) -> ServiceSettings:
    key = ("settings", service_spec.name)
    if key not in service_cache:
        values: dict[str, Any] = {
            "environment": "test", "database_url": database_url, "jwks_file": jwks_file,
            "issuer": TEST_ISSUER,
            "var_dir": tmp_path_factory.mktemp(f"var-{service_spec.name}"),
        }
        values.update(dict(service_spec.extra_settings))
        service_cache[key] = service_spec.settings_cls(**values)
    built: ServiceSettings = service_cache[key]
    return built


@pytest.fixture
def app(service_spec: ServiceSpec, settings: ServiceSettings,
        service_cache: dict[tuple[str, str], Any]) -> FastAPI:
    key = ("app", service_spec.name)
    if key not in service_cache:
        service_cache[key] = service_spec.create_app(settings)
    application: FastAPI = service_cache[key]
    return application


@pytest.fixture
async def db_session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test; the app's requests
    and anything using app.state.sessions share it."""
    async with app.state.engine.connect() as conn:
        outer = await conn.begin()
        factory = async_sessionmaker(bind=conn, expire_on_commit=False,
                                     join_transaction_mode="create_savepoint")
        original = app.state.sessions
        app.state.sessions = factory
        async with factory() as session:
            yield session
        app.state.sessions = original
        if outer.is_active:
            await outer.rollback()


@pytest.fixture
async def client(app: FastAPI, db_session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def token(token_factory: TokenFactory, service_spec: ServiceSpec) -> Callable[..., str]:
    """token("province_operator", province="44") → a token for this service."""

    def make(*roles: str, province: str = "HQ", sub: str | None = None,
             owner: str | None = None) -> str:
        return token_factory(*roles, province=province, audience=[service_spec.name], sub=sub,
                             owner=owner)

    return make


@pytest.fixture
def headers(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """headers("hq_admin") → an Authorization header for this service."""

    def make(*roles: str, province: str = "HQ", sub: str | None = None,
             owner: str | None = None) -> dict[str, str]:
        return {"Authorization": "Bearer " + token(*roles, province=province, sub=sub,
                                                   owner=owner)}

    return make




@contextlib.asynccontextmanager
async def faked_client(app: FastAPI, attribute: str, client: type[ServiceClient],
                       fake: Callable[[httpx.Request], httpx.Response]) -> AsyncIterator[None]:
    """app.state.<attribute> is a real typed `client` whose requests `fake` answers
    (httpx.MockTransport) until the block ends: a fixture's stand-in for another service."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:
        setattr(app.state, attribute, client(base_url=f"http://{attribute}.test", tokens=None,
                                             http=http))
        yield
