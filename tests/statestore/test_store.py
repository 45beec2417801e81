"""The state store, the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orgstate.statestore import StateStore, open_store
from orgstate.statestore.store import LockHeld
from tests.conftest import BACKENDS


@BACKENDS
def test_one_apply_holds_the_lock_and_a_second_is_told_who(store: StateStore, state_url: str) -> None:
    first = store.acquire("plan-1", holder="ci@runner-1 pid 1")
    other = open_store(state_url)
    try:
        with pytest.raises(LockHeld) as caught:
            other.acquire("plan-2", holder="ci@runner-2 pid 2")
        assert "ci@runner-1 pid 1" in str(caught.value) and first.id in str(caught.value)
        store.release(first)
        second = other.acquire("plan-2", holder="ci@runner-2 pid 2")
        assert store.current_lock() == second
    finally:
        other.close()


@BACKENDS
def test_unlock_breaks_a_stale_lock(store: StateStore) -> None:
    lock = store.acquire("plan-1", holder="ci@elsewhere pid 5")
    assert store.break_lock(lock.id)
    assert not store.break_lock(lock.id)
    assert store.current_lock() is None


@BACKENDS
def test_a_lock_whose_process_died_on_this_host_is_taken_over(store: StateStore) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = f"someone@{__import__('socket').gethostname()} pid {dead.stdout.strip()}"
    store.acquire("plan-1", holder=holder)
    taken = store.acquire("plan-2")
    assert store.current_lock() == taken
    assert any("took over the lock" in entry.message for entry in store.entries())


@BACKENDS
def test_the_journal_records_attempts_and_outcomes(store: StateStore) -> None:
    store.started("p", "c0001", "member.amy")
    store.started("p", "c0001", "member.amy")
    store.finished("p", "c0001", "done", outcome="created")
    store.started("p", "c0002", "member.bob")
    store.finished("p", "c0002", "failed", error="no member 'bob'")
    store.finished("p", "c0003", "skipped", error="depends on c0002")
    assert store.statuses("p") == {"c0001": "done", "c0002": "failed", "c0003": "skipped"}
    rows = {row["change_id"]: row for row in store.journal_rows("p")}
    assert (rows["c0001"]["attempts"], rows["c0001"]["outcome"]) == (2, "created")
    assert rows["c0002"]["error"] == "no member 'bob'"
    assert store.statuses("other") == {}


@BACKENDS
def test_the_audit_log_keeps_order_and_limits(store: StateStore) -> None:
    for number in range(5):
        store.record("ci", f"member.m{number}", "create", "created", plan_id="p", change_id=f"c{number:04d}")
    latest = store.entries(limit=3)
    assert [entry.address for entry in latest] == ["member.m2", "member.m3", "member.m4"]
    assert latest[0].at.tzinfo is not None


def test_a_bad_state_url_is_a_usage_error() -> None:
    with pytest.raises(Exception, match="expected sqlite:PATH or postgresql://"):
        open_store("redis://x")
