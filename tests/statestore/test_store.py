"""The state store, the same tests on SQLite and PostgreSQL: the lock (who holds it,
when it may be taken over, heartbeats, waiting), the journal and the audit log."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from orgstate.statestore import Holder, Lock, LockHeld, LockLost, StateStore, open_store
from orgstate.statestore.holder import host_id, process_start
from orgstate.statestore.schema import locks
from orgstate.statestore.store import LOCK_EXPIRY, LOCK_NAME, engine_for, open_existing_store
from tests.conftest import BACKENDS

ELSEWHERE = Holder("ci", "runner-1", 4242, host_id="another-machine", process="123")


def dead_process() -> tuple[int, str | None]:
    """The pid and start time of a process that ran on this host and has ended."""
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from orgstate.statestore.holder import process_start; "
            "print(os.getpid(), process_start(os.getpid()))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    pid, start = child.stdout.split()
    return int(pid), None if start == "None" else start


@pytest.fixture
def live_process() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def age_heartbeat(store: StateStore, lock: Lock, by: dt.timedelta) -> Lock:
    """Set the lock's last heartbeat `by` ago, by the store's clock (as a silent holder would)."""
    beat = store.clock() - by
    with store.engine.begin() as db:
        db.execute(update(locks).where(locks.c.id == lock.id).values(heartbeat=beat))
    current = store.current_lock()
    assert current is not None and current.id == lock.id
    return current


needs_proc = pytest.mark.skipif(host_id() is None, reason="this system has no /proc to tell processes by")


@BACKENDS
def test_one_apply_holds_the_lock_and_a_second_is_told_who(store: StateStore, state_url: str) -> None:
    first = store.acquire("plan-1", holder=ELSEWHERE)
    other = open_store(state_url)
    try:
        with pytest.raises(LockHeld) as caught:
            other.acquire("plan-2", holder=Holder("ci", "runner-2", 2, host_id="a-third-machine"))
        message = str(caught.value)
        assert message.startswith("another apply holds the lock: ci@runner-1 pid 4242")
        assert "user ci, host runner-1, pid 4242" in message and "plan plan-1" in message
        assert "last heartbeat" in message and "it is alive: last heartbeat 0s ago" in message
        assert f"orgstate unlock {first.id}" in message
        store.release(first)
        second = other.acquire("plan-2", holder=Holder("ci", "runner-2", 2, host_id="a-third-machine"))
        assert store.current_lock() == second
    finally:
        other.close()


@BACKENDS
def test_unlock_breaks_a_lock(store: StateStore) -> None:
    lock = store.acquire("plan-1", holder=ELSEWHERE)
    assert store.break_lock(lock.id)
    assert not store.break_lock(lock.id)
    assert store.current_lock() is None


@needs_proc
@BACKENDS
@pytest.mark.parametrize("user", ["the same user", "another user"])
def test_a_lock_whose_process_died_on_this_host_is_taken_over(store: StateStore, user: str) -> None:
    pid, start = dead_process()
    holder = Holder("root" if user == "another user" else "me", socket.gethostname(), pid, host_id(), start)
    dead = store.acquire("plan-1", holder=holder)
    taken = store.acquire("plan-2")
    assert store.current_lock() == taken and taken.holder == Holder.here()
    assert any(f"took over lock {dead.id}" in e.message and "is gone" in e.message for e in store.entries())


@needs_proc
@BACKENDS
def test_a_pid_now_used_by_another_process_is_not_the_holder(
    store: StateStore, live_process: subprocess.Popen[bytes]
) -> None:
    started = process_start(live_process.pid)
    assert started is not None
    reused = Holder("ci", socket.gethostname(), live_process.pid, host_id(), str(int(started) - 1))
    store.acquire("plan-1", holder=reused)
    assert store.acquire("plan-2").holder == Holder.here()


@needs_proc
@BACKENDS
@pytest.mark.parametrize("user", ["the same user", "another user"])
def test_a_live_process_on_this_host_is_never_taken_over(
    store: StateStore, live_process: subprocess.Popen[bytes], user: str
) -> None:
    """Not even when its heartbeat is old (it may be stopped, or stuck in a long call)."""
    name = "someone-else" if user == "another user" else Holder.here().user
    holder = Holder(name, socket.gethostname(), live_process.pid, host_id(), process_start(live_process.pid))
    lock = age_heartbeat(store, store.acquire("plan-1", holder=holder), LOCK_EXPIRY * 10)
    with pytest.raises(LockHeld, match=f"its process {live_process.pid} is running on this host"):
        store.acquire("plan-2")
    assert store.current_lock() == lock


@BACKENDS
def test_a_dead_pid_of_a_host_with_the_same_name_is_no_proof(store: StateStore) -> None:
    """Two containers share a host name but not their pids: a pid gone here says nothing
    about a holder that ran in another pid namespace or before a reboot."""
    pid, start = dead_process()
    holder = Holder("root", socket.gethostname(), pid, host_id="another-container-same-hostname", process=start)
    lock = store.acquire("plan-1", holder=holder)
    with pytest.raises(LockHeld, match="it is alive: last heartbeat"):
        store.acquire("plan-2")
    assert store.current_lock() == lock


@BACKENDS
def test_a_holder_elsewhere_is_taken_over_only_once_its_heartbeat_expired(store: StateStore) -> None:
    lock = store.acquire("plan-1", holder=ELSEWHERE)
    age_heartbeat(store, lock, LOCK_EXPIRY - dt.timedelta(seconds=30))
    with pytest.raises(LockHeld, match=r"it is alive: last heartbeat 4m 30s ago"):
        store.acquire("plan-2")
    age_heartbeat(store, lock, LOCK_EXPIRY + dt.timedelta(seconds=30))
    taken = store.acquire("plan-2")
    assert store.current_lock() == taken
    assert any("no heartbeat for 5m 30s" in entry.message for entry in store.entries())


@BACKENDS
def test_a_lock_of_an_older_orgstate_is_never_taken_over(store: StateStore) -> None:
    """No heartbeat and no process identity: its holder cannot be proved dead, though its
    host name is ours, its pid is gone and it is a day old."""
    pid, _ = dead_process()
    since = store.clock() - dt.timedelta(days=1)
    with store.engine.begin() as db:
        db.execute(
            insert(locks).values(
                id="0ld10ck", name=LOCK_NAME, holder=f"me@{socket.gethostname()} pid {pid}", plan_id="p", since=since
            )
        )
    with pytest.raises(LockHeld, match="an older orgstate that keeps no heartbeat"):
        store.acquire("plan-2")
    current = store.current_lock()
    assert current is not None and current.holder.pid == pid and current.heartbeat is None


def contend(contenders: list[StateStore]) -> tuple[list[Lock], list[LockHeld]]:
    """All contenders (threads, each with its own engine) try to take the lock at once."""
    barrier = threading.Barrier(len(contenders))
    won: list[Lock] = []
    refused: list[LockHeld] = []

    def take(contender: StateStore, number: int) -> None:
        barrier.wait()
        try:
            won.append(contender.acquire("next", holder=Holder("ci", f"runner-{number}", number, f"m{number}")))
        except LockHeld as exc:
            refused.append(exc)

    threads = [threading.Thread(target=take, args=(c, n)) for n, c in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won, refused


@BACKENDS
def test_of_many_that_find_a_dead_lock_exactly_one_takes_it_over(store: StateStore, state_url: str) -> None:
    for round_ in range(5):
        lock = store.acquire(f"plan-{round_}", holder=ELSEWHERE)
        age_heartbeat(store, lock, LOCK_EXPIRY * 2)
        contenders = [open_store(state_url) for _ in range(5)]
        try:
            won, refused = contend(contenders)
        finally:
            for contender in contenders:
                contender.close()
        assert len(won) == 1 and len(refused) == len(contenders) - 1
        assert store.current_lock() == won[0]
        store.release(won[0])


@BACKENDS
def test_a_holder_checks_its_lock_before_every_change(store: StateStore, state_url: str) -> None:
    lock = store.acquire("p", holder=ELSEWHERE)
    store.start_changes("p", lock, [("c0001", "member.amy")])
    store.finished("p", "c0001", "done", outcome="created")
    assert store.break_lock(lock.id)  # orgstate unlock, from another process
    with pytest.raises(LockLost, match=r"no longer holds its lock .*no lock is held now"):
        store.start_changes("p", lock, [("c0002", "member.bob")])
    assert store.statuses("p") == {"c0001": "done"}  # nothing journaled for the refused change
    other = open_store(state_url)
    try:
        taken = other.acquire("q", holder=Holder("ci", "runner-9", 9, "m9"))
        with pytest.raises(LockLost, match=f"lock {taken.id} is now held by ci@runner-9 pid 9"):
            store.check(lock)
    finally:
        other.close()


@BACKENDS
def test_the_heartbeat_goes_on_while_the_holder_works(state_url: str) -> None:
    store = StateStore(engine_for(state_url), state_url, heartbeat_interval=dt.timedelta(seconds=0.05))
    try:
        lock = store.acquire("p")
        assert lock.heartbeat is not None
        with store.keep_alive(lock):
            time.sleep(0.5)  # a long change: no check by the run itself
            current = store.current_lock()
        assert current is not None and current.heartbeat is not None and current.heartbeat > lock.heartbeat
        store.break_lock(lock.id)
        assert not store.refresh(lock)
    finally:
        store.close()


@BACKENDS
def test_a_busy_lock_is_waited_for_up_to_the_timeout(store: StateStore, state_url: str) -> None:
    held = store.acquire("first", holder=ELSEWHERE)
    other = open_store(state_url)
    try:
        began = time.monotonic()
        with pytest.raises(LockHeld, match=r"gave up after waiting 1s"):
            other.acquire("second", timeout=0.8)
        assert time.monotonic() - began >= 0.8
        threading.Timer(0.6, store.release, args=(held,)).start()
        began = time.monotonic()
        second = other.acquire("second", timeout=10)
        assert 0.5 <= time.monotonic() - began < 5
        assert store.current_lock() == second
    finally:
        other.close()


@BACKENDS
def test_a_stopped_run_leaves_no_change_running(store: StateStore) -> None:
    lock = store.acquire("p@t", holder=ELSEWHERE)
    store.started("p@t", "c0001", "member.old")  # left running by an earlier, killed run
    store.start_changes("p@t", lock, [("c0002", "member.amy"), ("c0003", "member.bob")])
    store.finished("p@t", "c0002", "done", outcome="created")
    marked, trouble = store.interrupt(
        "p@t", lock, [("c0003", "member.bob", "member.create")], "backend gave up", actor="ci", audit_plan_id="p"
    )
    assert (marked, trouble) == (["c0003"], None)
    assert store.statuses("p@t") == {"c0001": "interrupted", "c0002": "done", "c0003": "interrupted"}
    errors = {row["change_id"]: row["error"] for row in store.journal_rows("p@t")}
    assert errors["c0003"] == "backend gave up" and "without recording how" in errors["c0001"]
    (entry,) = [e for e in store.entries() if e.outcome == "interrupted"]
    assert (entry.plan_id, entry.change_id, entry.message) == ("p", "c0003", "backend gave up")
    # Without the lock, a run marks only its own changes: the rest may be another run's.
    store.start_changes("p@t", lock, [("c0004", "member.cy"), ("c0005", "member.dee")])
    store.break_lock(lock.id)
    in_flight = [("c0004", "member.cy", "member.create")]
    marked, _ = store.interrupt("p@t", lock, in_flight, "lost", actor="ci", audit_plan_id="p")
    assert marked == ["c0004"] and store.statuses("p@t")["c0005"] == "running"


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


def test_the_holder_here_is_this_process() -> None:
    here = Holder.here()
    assert here.is_here == (host_id() is not None)
    if here.is_here:
        assert here.is_running() and here.process == process_start(here.pid)
    assert str(here).endswith(f"pid {here.pid}")
    assert Path("/proc").exists() == (here.host_id is not None)


@BACKENDS
def test_the_audit_log_filters_in_the_query(store: StateStore) -> None:
    store.record("ci", "member.alice", "member.update", "updated", plan_id="plan-1", change_id="c0001")
    store.record("ci", "member.bob", "member.update", "updated", plan_id="plan-1", change_id="c0002")
    store.record("ci", "member.alice", "reset_password", "done")
    store.record("ci", "lock", "unlock", "done", plan_id="plan-2")
    assert [e.change_id for e in store.entries(plan_id="plan-1")] == ["c0001", "c0002"]
    assert [e.action for e in store.entries(addresses=["member.alice"])] == ["member.update", "reset_password"]
    assert [e.address for e in store.entries(addresses=["lock", "member.bob"])] == ["member.bob", "lock"]
    assert [e.action for e in store.entries(plan_id="plan-1", addresses=["member.alice"])] == ["member.update"]
    assert store.entries(since=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == []
    assert len(store.entries(since=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))) == 4
    assert [e.address for e in store.entries(limit=1, addresses=["member.alice"])] == ["member.alice"]


def test_a_read_only_open_creates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'nowhere' / 'state.db'}"
    assert open_existing_store(url) is None
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "empty.db").touch()  # a file that holds no state store
    assert open_existing_store(f"sqlite:{tmp_path / 'empty.db'}") is None
    open_store(f"sqlite:{tmp_path / 'state.db'}").close()
    existing = open_existing_store(f"sqlite:{tmp_path / 'state.db'}")
    assert existing is not None and existing.entries() == []
    existing.close()
