"""A database another process holds (a stopped apply, mid-write) is named in one clear
line, not an sqlite "database is locked" traceback: the state store's and the tenant's.

The other process is a real SQLite connection holding the write lock (BEGIN IMMEDIATE);
the wait is shortened from 30 s by setting the module's timeout before opening.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

import orgstate.statestore.store as store_module
import orgstate.tenant.core as tenant_core
from orgstate.cli import run
from orgstate.errors import OrgstateError, TenantError
from orgstate.statestore import open_store
from orgstate.tenant.fixture import init_tenant, load_fixture
from tests.conftest import EXAMPLES


@contextmanager
def held(path: Path) -> Iterator[None]:
    """Another process's write lock on the database at `path`."""
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")


def test_a_busy_state_store_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "SQLITE_TIMEOUT", 0.2)
    path = tmp_path / "state.db"
    open_store(f"sqlite:{path}").close()
    store = open_store(f"sqlite:{path}")
    with held(path), pytest.raises(OrgstateError, match=f"the state store {path} is busy: another process"):
        store.acquire("plan-1")
    assert store.acquire("plan-1").plan_id == "plan-1"  # once it is let go, all is well


def test_a_busy_tenant_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenant_core, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "tenant.db"
    init_tenant(path, load_fixture(EXAMPLES / "tenant.yaml"))
    with held(path), pytest.raises(TenantError, match=f"the tenant database {path} is busy"):
        tenant_core.TenantCore(path)


def test_apply_on_a_busy_tenant_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tenant_core, "BUSY_TIMEOUT_MS", 200)
    for path in EXAMPLES.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORGSTATE_BACKEND", raising=False)
    monkeypatch.delenv("ORGSTATE_STATE", raising=False)
    assert run(["local", "init", "--from", "tenant.yaml"]) == 0
    capsys.readouterr()
    with held(tmp_path / ".orgstate" / "tenant.db"):
        code = run(["apply", "-f", "org.yaml", "--auto-approve"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: the tenant database .orgstate/tenant.db is busy"), err
    assert "Traceback" not in err and "database is locked" not in err
