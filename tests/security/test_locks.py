"""The apply lock keeps one apply at a time, with real processes: `orgstate unlock`
refuses the lock of an apply that still runs; `--force` breaks it and the old apply
stops before its next change, so no change is applied twice; a dead apply's lock is
taken over only when its death is proved (its process gone on this host, or its
heartbeat expired elsewhere), never because a host name and a pid look dead; and
`--lock-timeout` waits for a busy lock."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import update

from orgstate.statestore import Holder, StateStore, open_store
from orgstate.statestore.schema import locks
from orgstate.statestore.store import LOCK_EXPIRY
from tests.conftest import BACKENDS, run_orgstate
from tests.executor.realapply import (
    ApplyProcess,
    journal_statuses,
    long_plan_workdir,
    repeated_operations,
    tenant_busy,
)
from tests.terminal import read_until, start_on_terminal

CHANGES = 341


def current_lock_id(state_url: str) -> str:
    with closing(open_store(state_url)) as store:
        lock = store.current_lock()
    assert lock is not None
    return lock.id


def converged(workdir: Path) -> bool:
    return run_orgstate("plan", "-f", "org.yaml", "--detailed-exitcode", cwd=workdir).returncode == 0


@BACKENDS
def test_unlock_refuses_a_running_apply_and_force_stops_it_before_its_next_change(
    tmp_path: Path, state_url: str
) -> None:
    workdir = long_plan_workdir(tmp_path)
    apply = ApplyProcess(workdir, "plan.json", "--state", state_url)
    apply.wait_for_changes(5)
    with tenant_busy(workdir):  # the apply is held still in the middle of a change
        lock_id = current_lock_id(state_url)
        refused = run_orgstate("unlock", lock_id, "--state", state_url, cwd=workdir)
        assert refused.returncode == 1
        assert f"refusing to break lock {lock_id}: its process {apply.pid} is running on this host" in refused.stderr
        assert f"orgstate unlock {lock_id} --force" in refused.stderr
        user = Holder.here().user
        assert f"(user {user}, host {socket.gethostname()}, pid {apply.pid}), plan " in refused.stdout
        assert "since " in refused.stdout and "last heartbeat " in refused.stdout
        assert current_lock_id(state_url) == lock_id

        forced = run_orgstate("unlock", lock_id, "--force", "--state", state_url, cwd=workdir)
        assert forced.returncode == 0, forced.stderr
        assert forced.stdout.splitlines()[-1] == f"Released lock {lock_id}."
        time.sleep(0.2)  # every line the apply wrote before it was held still has arrived
        reported = len(apply.change_lines())
    assert apply.finish() == 1
    after_unlock = apply.change_lines()[reported:]
    assert len(after_unlock) <= 1, f"the old apply went on after unlock: {after_unlock}"  # the change under way
    assert f"this apply no longer holds its lock {lock_id}" in apply.stderr
    assert "Apply incomplete:" in apply.stdout and "Stopped: this apply no longer holds its lock" in apply.stdout
    assert "running" not in journal_statuses(state_url)
    with closing(open_store(state_url)) as store:
        assert any(f"broke lock {lock_id}" in e.message and "forced" in e.message for e in store.entries(limit=500))

    again = ApplyProcess(workdir, "plan.json", "--state", state_url)
    assert again.finish() == 0, again.stdout + again.stderr
    done = len([line for line in apply.change_lines() if ": done (" in line])
    assert f"Apply complete: {CHANGES - done} applied, {done} done earlier" in again.stdout
    assert repeated_operations(workdir / ".orgstate" / "tenant.db") == []
    assert converged(workdir)


def test_the_lock_of_a_killed_apply_is_released_or_taken_over_without_force(tmp_path: Path) -> None:
    workdir = long_plan_workdir(tmp_path)
    state = f"sqlite:{workdir / '.orgstate' / 'state.db'}"
    for way in ("unlock", "take over"):
        apply = ApplyProcess(workdir, "plan.json")
        apply.wait_for_changes(3)
        apply.signal(signal.SIGKILL)
        apply.finish()
        lock_id = current_lock_id(state)
        if way == "unlock":
            released = run_orgstate("unlock", lock_id, cwd=workdir)
            assert released.returncode == 0, released.stderr
            assert f"its process {apply.pid} on this host is gone." in released.stdout
            assert released.stdout.splitlines()[-1] == f"Released lock {lock_id}."
    finished = ApplyProcess(workdir, "plan.json")
    assert finished.finish() == 0, finished.stdout + finished.stderr
    with closing(open_store(state)) as store:
        assert any(f"took over lock {lock_id}" in e.message for e in store.entries(limit=1000))
    assert repeated_operations(workdir / ".orgstate" / "tenant.db") == []
    assert converged(workdir)


def age(store: StateStore, by: dt.timedelta) -> None:
    with store.engine.begin() as db:
        db.execute(update(locks).values(heartbeat=store.clock() - by))


@BACKENDS
def test_a_dead_looking_pid_under_this_host_name_is_not_taken_over_until_its_heartbeat_expires(
    tmp_path: Path, state_url: str
) -> None:
    """An apply in another container with the same host name (another user, a pid that
    does not exist here): its lock is refused, and unlock refuses it, while it beats."""
    workdir = long_plan_workdir(tmp_path)
    with closing(open_store(state_url)) as store:
        other = Holder("builder", socket.gethostname(), 4_000_000, host_id="another-container", process="1")
        lock = store.acquire("plan-in-the-other-container", holder=other)
        refused = run_orgstate("apply", "plan.json", "--state", state_url, cwd=workdir)
        assert refused.returncode == 1
        assert f"another apply holds the lock: builder@{socket.gethostname()} pid 4000000" in refused.stderr
        assert run_orgstate("unlock", lock.id, "--state", state_url, cwd=workdir).returncode == 1
        assert store.current_lock() == lock

        age(store, LOCK_EXPIRY + dt.timedelta(minutes=1))  # it stopped beating: dead by the rule
        applied = run_orgstate("apply", "plan.json", "--state", state_url, cwd=workdir)
        assert applied.returncode == 0, applied.stderr
        assert any(
            f"took over lock {lock.id}" in e.message and "no heartbeat for 6m" in e.message
            for e in store.entries(limit=1000)
        )
        assert store.current_lock() is None


@BACKENDS
def test_lock_timeout_waits_for_a_busy_lock(tmp_path: Path, state_url: str) -> None:
    workdir = long_plan_workdir(tmp_path)
    with closing(open_store(state_url)) as store:
        held = store.acquire("plan-of-a-colleague", holder=Holder("ana", "laptop", 77, host_id="ana-laptop"))
        began = time.monotonic()
        impatient = run_orgstate("apply", "plan.json", "--lock-timeout", "1s", "--state", state_url, cwd=workdir)
        assert impatient.returncode == 1 and time.monotonic() - began >= 1
        assert "another apply holds the lock: ana@laptop pid 77" in impatient.stderr
        assert "gave up after waiting 1s" in impatient.stderr
        assert "waiting up to 1s for it" in impatient.stderr

        threading.Timer(4, store.release, args=(held,)).start()
        began = time.monotonic()
        patient = run_orgstate("apply", "plan.json", "--lock-timeout", "2m", "--state", state_url, cwd=workdir)
        assert patient.returncode == 0, patient.stderr
        assert time.monotonic() - began >= 4
        assert f"Apply complete: {CHANGES} applied" in patient.stdout
        assert "The apply lock is held by ana@laptop pid 77" in patient.stderr
        assert "waiting up to 2m 0s" in patient.stderr


@pytest.mark.parametrize("answer", ["no", "yes"])
def test_on_a_terminal_unlock_of_a_live_holder_asks_and_only_yes_breaks_it(tmp_path: Path, answer: str) -> None:
    state = f"sqlite:{tmp_path / 'state.db'}"
    with closing(open_store(state)) as store:
        lock = store.acquire("plan-x", holder=Holder("ana", "laptop", 77, host_id="ana-laptop"))
        process, primary = start_on_terminal("unlock", lock.id, "--state", state, cwd=tmp_path)
        try:
            asked = read_until(primary, b"Only 'yes' will be accepted")
            assert b"ana@laptop pid 77" in asked and b"lets a second apply run beside it" in asked
            os.write(primary, f"{answer}\n".encode())
            told = read_until(primary, None)
        finally:
            os.close(primary)
        if answer == "yes":
            assert process.wait(timeout=60) == 0 and f"Released lock {lock.id}.".encode() in told
            assert store.current_lock() is None
        else:
            assert process.wait(timeout=60) == 1 and b"unlock cancelled: the lock is still held" in told
            assert store.current_lock() == lock


def test_a_lock_timeout_that_is_no_duration_is_refused(tmp_path: Path) -> None:
    result = run_orgstate("apply", "plan.json", "--lock-timeout", "soon", cwd=tmp_path)
    assert result.returncode == 1 and "'soon' is not a duration like 30s, 5m or 1h30m" in result.stderr
