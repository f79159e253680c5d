"""Which database the tests run on: PostgreSQL wherever one answers, SQLite when asked."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from porttrust_dev import databases
from porttrust_dev.databases import LOCAL_POSTGRES, POSTGRES_ENV, TEST_DB_ENV, choose_test_database

ELSEWHERE = "postgresql+asyncpg://ci@db.example:5432/postgres"


@pytest.fixture
def local_server(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the probe finds a server on 127.0.0.1:5432 (set by the test)."""
    answers = [False]
    monkeypatch.setattr(databases, "postgres_answers", lambda *a, **k: answers[0])
    return answers


def test_sqlite_is_forced_whatever_else_is_set(local_server: list[bool]) -> None:
    local_server[0] = True
    env = {TEST_DB_ENV: "sqlite", POSTGRES_ENV: ELSEWHERE}
    assert choose_test_database(env).startswith("SQLite")
    assert POSTGRES_ENV not in env


def test_an_explicit_url_is_used_as_given(local_server: list[bool]) -> None:
    env = {POSTGRES_ENV: ELSEWHERE}
    assert choose_test_database(env).startswith("PostgreSQL")
    assert env[POSTGRES_ENV] == ELSEWHERE


def test_a_local_server_that_answers_is_used(local_server: list[bool]) -> None:
    local_server[0] = True
    env: dict[str, str] = {}
    assert choose_test_database(env).startswith("PostgreSQL")
    assert env[POSTGRES_ENV] == LOCAL_POSTGRES


def test_without_a_server_the_tests_run_on_sqlite(local_server: list[bool]) -> None:
    env: dict[str, str] = {}
    assert choose_test_database(env).startswith("SQLite")
    assert POSTGRES_ENV not in env


def test_postgres_asked_for_is_used_even_unanswered(local_server: list[bool]) -> None:
    env = {TEST_DB_ENV: "postgres"}
    choose_test_database(env)
    assert env[POSTGRES_ENV] == LOCAL_POSTGRES


def test_an_unknown_choice_is_refused() -> None:
    with pytest.raises(ValueError, match=TEST_DB_ENV):
        choose_test_database({TEST_DB_ENV: "mysql"})


@contextmanager
def listener(reply: bytes) -> Iterator[int]:
    """A loopback server that answers its first connection with `reply`."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(8)
            conn.sendall(reply)

    threading.Thread(target=answer, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


@pytest.mark.parametrize("reply", [b"N", b"S"])
def test_the_probe_knows_a_postgres_answer(reply: bytes) -> None:
    with listener(reply) as port:
        assert databases.postgres_answers(port=port)


def test_the_probe_refuses_another_protocol() -> None:
    with listener(b"HTTP/1.1 400 Bad Request\r\n\r\n") as port:
        assert not databases.postgres_answers(port=port)


def test_the_probe_refuses_a_closed_port() -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    assert not databases.postgres_answers(port=port)
