import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from identity.main import create_app
from identity.schemas import ClientCreate, ClientCreated, UserCreate
from identity.service import identities, passwords
from identity.service.throttle import SignInGuard, SignInPolicy
from identity.settings import Settings
from porttrust_dev.testing import ServiceSpec

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Production argon2 parameters cost ~0.3 s a hash here; tests need the format, not the
    cost. Hashes stay argon2, verified the same way."""
    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        patch.setattr(passwords, "hasher", cheap)
        # What an unknown name is checked against: cheap too (it carries its own parameters).
        patch.setattr(passwords, "DUMMY_HASH", cheap.hash("not-a-real-password"))
        yield


@pytest.fixture(scope="session")
def service_spec() -> ServiceSpec:
    return ServiceSpec(name="identity", service_dir=Path(__file__).resolve().parents[1],
                       settings_cls=Settings, create_app=create_app)


@pytest.fixture
def new_client(db_session: Any) -> Callable[..., Awaitable[ClientCreated]]:
    """await new_client(roles=["gateway"], province="44") → the client with its secret."""

    async def make(roles: tuple[str, ...] = ("gateway",), province: str = "44",
                   **kw: Any) -> ClientCreated:
        data = ClientCreate(name="Guangdong gateway", roles=list(roles), province=province,
                            **kw)
        return await identities.create_client(db_session, data=data, actor="test")

    return make


@pytest.fixture
def new_user(db_session: Any) -> Callable[..., Awaitable[str]]:
    """await new_user(roles=["auditor"]) → a fresh username whose password is PASSWORD."""

    async def make(roles: tuple[str, ...] = ("auditor",), province: str = "HQ") -> str:
        username = "u" + uuid.uuid4().hex[:10]
        data = UserCreate(username=username, password=PASSWORD, roles=list(roles),
                          province=province)
        await identities.create_user(db_session, data=data, actor="test")  # exempt: no grant
        return username

    return make


@pytest.fixture
def password() -> str:
    """The password every `new_user` signs in with."""
    return PASSWORD


@pytest.fixture(autouse=True)
def fresh_sign_in_guard(app: Any, settings: Settings) -> None:
    """The brakes count per address too, and every test signs in from the same one: each
    test starts with clean counts."""
    app.state.throttle = SignInGuard(SignInPolicy.from_settings(settings))
