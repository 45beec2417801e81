from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orgstate.config.loader import LoadedConfig, load_config
from orgstate.diagnostics import Diagnostic
from orgstate.rules.check import check_static
from orgstate.statestore import StateStore, open_store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

MINIMAL = """\
version: 1
org: {name: Tiny}
departments:
  - {id: eng, name: Engineering}
members:
  - {id: alice, name: Alice Liu, department: eng, work_email: alice@tiny.example}
"""


def run_orgstate(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process, as a user or CI would."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "orgstate", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "org.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def diagnose(*paths: Path) -> tuple[LoadedConfig, list[Diagnostic]]:
    """Load and check, as `orgstate validate` does."""
    loaded = load_config(list(paths))
    if loaded.config is None:
        return loaded, loaded.diagnostics
    return loaded, check_static(loaded.config, loaded.sources)


@pytest.fixture
def check_yaml(write_yaml: Callable[..., Path]) -> Callable[[str], list[Diagnostic]]:
    def check(text: str) -> list[Diagnostic]:
        return diagnose(write_yaml(text))[1]

    return check


# -- state stores: SQLite, and PostgreSQL when a server answers at 127.0.0.1:5432 -------

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
