"""A tiny service built with the library's own app factory, to test the library end to end.

The library has no migration history of its own (every service's tables come from that
service's Alembic history, and each service's tests check it for drift), so the tables here are
made with `metadata.create_all` on a throwaway test metadata. Services never do this.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI, Query
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from porttrust_dev.databases import POSTGRES_ENV
from porttrust_dev.testing import TEST_ISSUER, ServiceSpec, fresh_test_database
from porttrust_shared import tables
from porttrust_shared.app import create_service_app
from porttrust_shared.audit_api import audit_router
from porttrust_shared.db import create_engine, new_metadata
from porttrust_shared.deps import CipherDep, PrincipalDep, SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from porttrust_shared.outbox import events_router
from porttrust_shared.pagination import Keyset, Page
from porttrust_shared.pii import mask_id_number
from porttrust_shared.settings import ServiceSettings
from porttrust_shared.validators import check_id_number


class DemoBase(DeclarativeBase):
    metadata = new_metadata()


class Item(DemoBase):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class Received(DemoBase):
    """What the receiver's event handler writes: one row per applied event."""

    __tablename__ = "received"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200))


# The shared machinery's tables, as every service declares them.
AuditEvent = tables.audit(DemoBase)
IdempotencyRecord = tables.idempotency(DemoBase)
OutboxEvent, InboxEvent = tables.outbox(DemoBase)


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore", frozen=True)
    service_name: str = "demo"


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    id_number: Annotated[str, AfterValidator(check_id_number)]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class ItemOut(BaseModel):
    id: int
    name: str


def demo_router() -> APIRouter:
    router = APIRouter()

    @router.get("/v1/whoami")
    async def whoami(principal: PrincipalDep) -> dict[str, Any]:
        return {"sub": principal.sub, "roles": sorted(principal.roles),
                "province": principal.province}

    @router.get("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("something unexpected with 11010519491231002X")

    @router.post("/v1/people", status_code=201)
    async def create_person(person: PersonIn, cipher: CipherDep) -> dict[str, str]:
        return {"id_number": mask_id_number(person.id_number),
                "sealed_kid": cipher.key_id_of(cipher.encrypt(person.id_number,
                                                              field="id_number"))}

    @router.post("/v1/items", status_code=201, response_model=ItemOut)
    async def create_item(data: ItemIn, session: SessionDep, idem: IdempotencyDep) -> Any:
        async def produce() -> ItemOut:
            item = Item(name=data.name)
            session.add(item)
            await session.flush()
            return ItemOut(id=item.id, name=item.name)

        return await idem.run(produce)

    @router.get("/v1/items")
    async def list_items(session: SessionDep, cursor: str | None = None,
                         limit: Annotated[int | None, Query()] = None) -> Page[ItemOut]:
        page, next_cursor = await Keyset(Item.id).page(session, select(Item), cursor=cursor,
                                                        limit=limit, max_limit=100)
        return Page(items=[ItemOut(id=i.id, name=i.name) for i in page], next_cursor=next_cursor)

    @router.post("/v1/counts")
    async def count(data: dict[str, int]) -> dict[str, int]:
        return {"keys": len(data)}

    @router.post("/v1/uploads")
    async def upload(data: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(data)}

    @router.post("/v1/notes")
    async def create_note(data: ItemIn, principal: PrincipalDep) -> dict[str, str]:
        return {"name": data.name, "sub": principal.sub}

    return router


def create_demo_app(settings: DemoSettings) -> FastAPI:
    app = create_service_app(settings, title="demo", description="library test app",
                             routers=[demo_router(), audit_router(AuditEvent)],
                             idempotency_model=IdempotencyRecord)
    return app


async def create_tables(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(DemoBase.metadata.create_all)
    await engine.dispose()


async def demo_database(tmp: Path) -> str:
    if os.environ.get(POSTGRES_ENV):
        url = await fresh_test_database(f"pt_test_shared_{os.getpid()}")
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'demo.db'}"
    await create_tables(url)
    return url


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="demo", service_dir=Path(__file__).resolve().parent,
                       settings_cls=DemoSettings, create_app=create_demo_app)


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return await demo_database(tmp_path_factory.mktemp("db-demo"))


@pytest.fixture(scope="session")
def settings(database_url: str, jwks_file: Path,
             tmp_path_factory: pytest.TempPathFactory) -> DemoSettings:
    return DemoSettings(environment="test", database_url=database_url, jwks_file=jwks_file,
                        issuer=TEST_ISSUER, var_dir=tmp_path_factory.mktemp("var-demo"),
                        identity_url="https://identity.example.org", max_body_bytes=1024)


@pytest.fixture(scope="session")
async def app(settings: DemoSettings) -> AsyncIterator[FastAPI]:
    application = create_demo_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
def sessions(app: FastAPI, db_session: AsyncSession) -> Any:
    """The app's session factory while a test runs: bound to the test's rolled-back transaction."""
    return app.state.sessions


@pytest.fixture(scope="session")
def build_app() -> Any:
    """The demo app factory, for tests that need an app with other settings."""
    return create_demo_app


@pytest.fixture
def audit_model() -> type[AuditEvent]:
    return AuditEvent


@pytest.fixture
def outbox_model() -> type[OutboxEvent]:
    return OutboxEvent


@pytest.fixture
def inbox_model() -> type[InboxEvent]:
    return InboxEvent


@pytest.fixture
def item_model() -> type[Item]:
    return Item


async def _record_receipt(session: AsyncSession, payload: dict[str, Any]) -> None:
    session.add(Received(topic="thing.happened", note=str(payload.get("note", ""))))


@pytest.fixture
async def receiver(tmp_path: Path, jwks_file: Path) -> AsyncIterator[FastAPI]:
    """Another service, with its own database, that takes events on POST /v1/events."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'receiver.db'}"
    await create_tables(url)
    settings = DemoSettings(service_name="receiver", environment="test", database_url=url,
                            jwks_file=jwks_file, issuer=TEST_ISSUER, var_dir=tmp_path)
    inbox = events_router(inbox=InboxEvent, handlers={"thing.happened": _record_receipt})
    application = create_service_app(settings, title="receiver", description="events",
                                     routers=[inbox], idempotency_model=None)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
def received_model() -> type[Received]:
    return Received
