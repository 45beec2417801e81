"""Creating the state store's schema is safe when many processes open a new store at
once (CI jobs starting together), on SQLite and PostgreSQL; an older store gains the
lock columns it lacks."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, MetaData, String, Table, UniqueConstraint, inspect

from orgstate.statestore import open_store
from orgstate.statestore.schema import LOCK_COLUMNS_ADDED, audit, journal
from orgstate.statestore.store import engine_for
from tests.conftest import POSTGRES

KINDS = pytest.mark.parametrize("kind", ["sqlite", "postgresql"])


@pytest.fixture
def fresh_store_url(tmp_path: Path, postgres_reason: str | None, kind: str) -> Iterator[Callable[[], str]]:
    """Makes the URL of a new, empty state store each time it is called."""
    schemas: list[str] = []

    def make() -> str:
        if kind == "sqlite":
            return f"sqlite:{tmp_path / f'state-{secrets.token_hex(4)}' / 'state.db'}"
        import psycopg

        schema = f"orgstate_test_{secrets.token_hex(4)}"
        with psycopg.connect(POSTGRES, autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        return f"{POSTGRES}?options=-csearch_path%3D{schema}"

    if kind == "postgresql" and postgres_reason:
        pytest.skip(postgres_reason)
    yield make
    if schemas:
        import psycopg

        with psycopg.connect(POSTGRES, autocommit=True) as db:
            for schema in schemas:
                db.execute(f"DROP SCHEMA {schema} CASCADE")


def open_and_close(url: str) -> None:
    open_store(url).close()


@KINDS
def test_many_threads_opening_a_new_store_at_once_all_succeed(fresh_store_url: Callable[[], str]) -> None:
    """Each thread has its own engine, as separate processes would."""
    for _ in range(25):
        url = fresh_store_url()
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def start(url: str = url, barrier: threading.Barrier = barrier, errors: list[BaseException] = errors) -> None:
            barrier.wait()
            try:
                open_and_close(url)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []


CHILD = """
import os, sys, time
from orgstate.statestore import open_store
url, go = sys.argv[1], sys.argv[2]
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.0005)
store = open_store(url)
store.record("ci", "lock", "open", "done", plan_id="plan-" + str(os.getpid()))
store.close()
print("ok", flush=True)
"""


@KINDS
def test_many_processes_opening_a_new_store_at_once_all_succeed(
    fresh_store_url: Callable[[], str], tmp_path: Path
) -> None:
    for round_ in range(5):
        url = fresh_store_url()
        go = tmp_path / f"go-{round_}"
        children = [
            subprocess.Popen(
                [sys.executable, "-c", CHILD, url, str(go)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            for _ in range(4)
        ]
        for child in children:  # all imported and waiting: release them together
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        go.touch()
        for child in children:
            out, err = child.communicate(timeout=60)
            assert child.returncode == 0 and out.strip() == "ok", err[-2000:]


@KINDS
def test_an_older_store_gains_the_lock_columns(fresh_store_url: Callable[[], str]) -> None:
    url = fresh_store_url()
    old = MetaData()  # the schema before the lock recorded its holder's identity and heartbeat
    for table in (journal, audit):
        table.to_metadata(old)
    Table(
        "orgstate_locks",
        old,
        Column("id", String(32), primary_key=True),
        Column("name", String(64), nullable=False),
        Column("holder", String(300), nullable=False),
        Column("plan_id", String(80), nullable=False),
        Column("since", DateTime(timezone=True), nullable=False),
        UniqueConstraint("name", name="orgstate_locks_name"),
    )
    engine = engine_for(url)
    try:
        old.create_all(engine)
        with engine.begin() as db:
            db.execute(
                old.tables["orgstate_locks"]
                .insert()
                .values(id="0ld", name="apply", holder="ci@runner pid 7", plan_id="p", since=dt.datetime.now(dt.UTC))
            )
    finally:
        engine.dispose()
    threads = [threading.Thread(target=open_and_close, args=(url,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store = open_store(url)
    try:
        with store.engine.connect() as db:
            columns = {column["name"] for column in inspect(db).get_columns("orgstate_locks")}
        assert set(LOCK_COLUMNS_ADDED) <= columns
        lock = store.current_lock()
        assert lock is not None and (lock.holder.user, lock.holder.host, lock.holder.pid) == ("ci", "runner", 7)
        assert lock.heartbeat is None and store.status(lock).alive
    finally:
        store.close()
