"""A state store on SQLite and, when a server answers at 127.0.0.1:5432, on PostgreSQL:
one test suite for both. Each PostgreSQL test gets a schema of its own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgstate.statestore import StateStore, open_store

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_available() -> str | None:
    """None when a server answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, and say why
        return f"no PostgreSQL at 127.0.0.1:5432 ({type(exc).__name__}: {exc})".strip()


@pytest.fixture(scope="session")
def postgres_reason() -> str | None:
    return postgres_available()


@pytest.fixture
def state_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_reason: str | None) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:{tmp_path / 'state.db'}"
        return
    if postgres_reason:
        pytest.skip(postgres_reason)
    import psycopg

    schema = f"orgstate_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(state_url: str) -> Iterator[StateStore]:
    store = open_store(state_url)
    yield store
    store.close()


BACKENDS = pytest.mark.parametrize("state_url", ["sqlite", "postgresql"], indirect=True)
