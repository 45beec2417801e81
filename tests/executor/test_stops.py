"""However a run ends before its last change (a backend that keeps failing, a lock broken
under it, a stop asked for, SIGTERM, any exception), it says what was applied, failed,
skipped, interrupted and not started, leaves no journal row "running", releases the
lock, and a run again finishes the work without repeating any of it."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from orgstate.appliers.base import LooksUpMembers, Outcome
from orgstate.appliers.lark import LarkBackend
from orgstate.appliers.lark.client import LarkApi, LarkUnavailable
from orgstate.appliers.local import LocalBackend
from orgstate.config.loader import load_config
from orgstate.emulator.process import RunningEmulator, start_emulator
from orgstate.errors import OrgstateError, TenantError
from orgstate.executor.apply import ApplyResult, Interrupted, StopRequest, apply_plan, journal_key
from orgstate.executor.passwords import PasswordFile
from orgstate.executor.reporter import Reporter
from orgstate.planner.build import build_plan
from orgstate.planner.changes import Change
from orgstate.planner.context import PlanOptions
from orgstate.planner.plan import Plan
from orgstate.statestore import LockLost, StateStore, open_store
from orgstate.tenant.fixture import init_tenant, load_fixture
from tests.conftest import EXAMPLES
from tests.executor.realapply import (
    ApplyProcess,
    journal_statuses,
    long_plan_workdir,
    repeated_operations,
    tenant_operations,
)

SECRET = "s3cr3t-emulator-app-secret-stops-0123"


class After(Reporter):
    """A reporter, the run's plug-in point, that does something once `count` changes are reported."""

    def __init__(self, count: int, action: Callable[[], None]) -> None:
        self.count = count
        self.action = action
        self.reported: list[tuple[str, str]] = []

    def change_done(self, change: Change, status: str, detail: str) -> None:
        self.reported.append((change.id, status))
        if len(self.reported) == self.count:
            self.action()


def example_plan(backend: LocalBackend | LarkBackend) -> Plan:
    """The example's plan, made as `orgstate plan` makes it."""
    config = load_config([EXAMPLES / "org.yaml"]).config
    assert config is not None
    if isinstance(backend, LooksUpMembers):
        backend.look_up_members(member.id for member in config.members)
    return build_plan(config, backend.read_snapshot(), PlanOptions(capabilities=backend.capabilities))


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalBackend]:
    init_tenant(tmp_path / "tenant.db", load_fixture(EXAMPLES / "tenant.yaml"))
    backend = LocalBackend(tmp_path / "tenant.db")
    yield backend
    backend.close()


def assert_truthful(store: StateStore, plan: Plan, key: str, result: ApplyResult) -> None:
    """The journal and the result agree, nothing is left running, the lock is free."""
    statuses = store.statuses(key)
    assert "running" not in statuses.values()
    assert {c for c, s in statuses.items() if s == "done"} == set(result.done)
    assert {c for c, s in statuses.items() if s == "interrupted"} == set(result.interrupted)
    ended = set(result.done) | set(result.failed) | set(result.skipped) | set(result.interrupted)
    assert result.not_started == [c.id for c in plan.changes if c.id not in ended]
    assert store.current_lock() is None


def break_from_elsewhere(state_url: str) -> Callable[[], None]:
    """What `orgstate unlock ID --force` does, from another connection."""

    def unlock() -> None:
        with closing(open_store(state_url)) as other:
            lock = other.current_lock()
            assert lock is not None and other.break_lock(lock.id)

    return unlock


def test_a_run_whose_lock_was_broken_stops_before_its_next_change(
    local: LocalBackend, store: StateStore, tmp_path: Path
) -> None:
    plan = example_plan(local)
    operations: list[int] = []

    def unlock() -> None:
        break_from_elsewhere(store.url)()
        operations.append(len(tenant_operations(local.path)))

    result = ApplyResult(plan.id)
    with pytest.raises(LockLost, match="no longer holds its lock"):
        apply_plan(plan, local, store, PasswordFile(tmp_path, "p"), After(3, unlock), result=result)
    assert len(result.done) == 3 and not result.interrupted and len(result.not_started) == len(plan.changes) - 3
    assert result.stopped is not None and "stopped before the next change" in result.stopped
    assert len(tenant_operations(local.path)) == operations[0], "a change was applied after the lock was lost"
    assert_truthful(store, plan, journal_key(plan, local), result)

    again = apply_plan(plan, local, store, PasswordFile(tmp_path, "p"))
    assert again.ok and again.earlier == 3 and len(again.done) == len(plan.changes) - 3
    assert repeated_operations(local.path) == []
    assert example_plan(local).changes == ()


class Bug(Exception):
    pass


def raise_(exc: BaseException) -> Callable[[], None]:
    def action() -> None:
        raise exc

    return action


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (KeyboardInterrupt(), "interrupted"),
        (Bug("unexpected"), "internal error: Bug: unexpected"),
        (BrokenPipeError(32, "Broken pipe"), "internal error: BrokenPipeError: [Errno 32] Broken pipe"),
        (OrgstateError("the service went away"), "the service went away"),
    ],
)
def test_any_exception_leaves_a_truthful_journal_and_a_free_lock(
    local: LocalBackend, store: StateStore, tmp_path: Path, exc: BaseException, reason: str
) -> None:
    plan = example_plan(local)
    result = ApplyResult(plan.id)
    with pytest.raises(type(exc)):
        apply_plan(plan, local, store, PasswordFile(tmp_path, "p"), After(5, raise_(exc)), result=result)
    assert result.started and result.stopped == reason and len(result.done) == 5
    assert_truthful(store, plan, journal_key(plan, local), result)
    again = apply_plan(plan, local, store, PasswordFile(tmp_path, "p"))
    assert again.ok and again.earlier == 5
    assert repeated_operations(local.path) == []


def test_a_stop_asked_for_ends_the_run_before_its_next_change(
    local: LocalBackend, store: StateStore, tmp_path: Path
) -> None:
    plan = example_plan(local)
    stop = StopRequest()
    result = ApplyResult(plan.id)
    with pytest.raises(Interrupted, match="interrupted by SIGTERM: stopped before change c0008"):
        apply_plan(
            plan,
            local,
            store,
            PasswordFile(tmp_path, "p"),
            After(7, lambda: stop.request("interrupted by SIGTERM")),
            stop=stop,
            result=result,
        )
    assert len(result.done) == 7
    assert_truthful(store, plan, journal_key(plan, local), result)


class KilledAfterWriting(LocalBackend):
    """The local tenant, and a run killed the instant after the tenant carried out `address`'s
    `action` (before the journal could say so): the change is left running."""

    def __init__(self, path: Path, address: str, action: str) -> None:
        super().__init__(path)
        self.target = (address, action)

    def apply_many(self, changes: list[Change]) -> list[Outcome | TenantError]:
        outcomes = super().apply_many(changes)
        if any((change.address, change.action) == self.target for change in changes):
            raise KeyboardInterrupt
        return outcomes


@pytest.mark.parametrize("address", ["member.victor", "member.frank"])
def test_a_deletion_the_tenant_made_before_the_run_died_supersedes_the_earlier_suspension(
    tmp_path: Path, store: StateStore, address: str
) -> None:
    init_tenant(tmp_path / "tenant.db", load_fixture(EXAMPLES / "tenant.yaml"))
    backend = KilledAfterWriting(tmp_path / "tenant.db", address, "delete")
    plan = example_plan(backend)
    kinds = [change.action for change in plan.changes if change.address == address]
    assert kinds == ["suspend", "delete"], kinds
    result = ApplyResult(plan.id)
    with pytest.raises(KeyboardInterrupt):
        apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"), result=result)
    (interrupted,) = (c for c in plan.changes if c.id in result.interrupted and c.address == address)
    assert interrupted.action == "delete"
    backend.close()

    # The suspension done earlier no longer shows (the member is gone), because the
    # deletion the dead run made supersedes it: the run again finishes without repeats.
    local = LocalBackend(tmp_path / "tenant.db")
    again = apply_plan(plan, local, store, PasswordFile(tmp_path, "p"))
    assert again.ok, (again.failed, again.skipped)
    assert again.done[interrupted.id] == "unchanged"  # re-read, found carried out
    assert repeated_operations(local.path) == []
    local.close()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[list[RunningEmulator]]:
    """Emulator processes started by the test (stopped at its end)."""
    running: list[RunningEmulator] = []
    yield running
    for server in running:
        if server.process.poll() is None:
            server.stop()


def serve(running: list[RunningEmulator], db: Path, app_id: str, *options: str) -> RunningEmulator:
    server = start_emulator(db, app_id, SECRET, "--rate-limits", "off", *options)
    running.append(server)
    return server


def test_a_backend_that_keeps_failing_interrupts_the_change_under_way(
    emulator: list[RunningEmulator], store: StateStore, tmp_path: Path
) -> None:
    db = tmp_path / "lark.db"
    init_tenant(db, load_fixture(EXAMPLES / "tenant.yaml"))
    app_id = f"cli_stops_{time.monotonic_ns()}"
    server = serve(emulator, db, app_id)
    port = server.url.rsplit(":", 1)[1]
    api = LarkApi(server.url, app_id, SECRET, attempts=3, sleep=lambda _: time.sleep(0.01))
    backend = LarkBackend(server.url, api=api)
    plan = example_plan(backend)
    key = journal_key(plan, backend)

    def kill() -> None:  # the service goes away for good
        server.process.kill()
        server.process.wait()

    result = ApplyResult(plan.id)
    with pytest.raises(LarkUnavailable, match=r"kept failing .* after 3 attempts"):
        apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"), After(4, kill), result=result)
    (interrupted,) = result.interrupted
    assert len(result.done) == 4 and interrupted == plan.changes[4].id
    assert result.stopped is not None and "kept failing" in result.stopped
    assert_truthful(store, plan, key, result)
    (row,) = [r for r in store.journal_rows(key) if r["change_id"] == interrupted]
    assert row["status"] == "interrupted" and "kept failing" in row["error"]
    assert [e.change_id for e in store.entries() if e.outcome == "interrupted"] == [interrupted]

    # The service is back: the next run verifies the interrupted change and finishes.
    server = serve(emulator, db, app_id, "--port", port)
    backend = LarkBackend(server.url, api=LarkApi(server.url, app_id, SECRET))
    again = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert again.ok and again.earlier == 4, (again.failed, again.skipped)
    assert repeated_operations(db) == []


# -- the command line ------------------------------------------------------------------


def test_sigterm_stops_apply_after_the_change_under_way_with_the_summary(tmp_path: Path) -> None:
    workdir = long_plan_workdir(tmp_path)
    apply = ApplyProcess(workdir, "plan.json")
    apply.wait_for_changes(10)
    apply.signal(signal.SIGTERM)
    assert apply.finish() == 1
    done = len([line for line in apply.change_lines() if ": done (" in line])
    assert 10 <= done < 341
    assert f"Apply incomplete: {done} applied, 0 done earlier, 0 failed, 0 skipped, {341 - done} not started" in (
        apply.stdout
    )
    assert f"  not started c{done + 1:04d} " in apply.stdout and "more not started" in apply.stdout
    assert "Stopped: interrupted by SIGTERM: stopped before change" in apply.stdout
    assert "Run apply again to retry what failed or did not run" in apply.stdout
    assert "SIGTERM received: stopping after the change under way" in apply.stderr
    assert "error: interrupted by SIGTERM" in apply.stderr and "Traceback" not in apply.stderr
    state = f"sqlite:{workdir / '.orgstate' / 'state.db'}"
    assert journal_statuses(state) == {"done": done}
    with closing(open_store(state)) as store:
        assert store.current_lock() is None

    again = ApplyProcess(workdir, "plan.json")
    assert again.finish() == 0, again.stdout + again.stderr
    assert f"Apply complete: {341 - done} applied, {done} done earlier" in again.stdout
    assert repeated_operations(workdir / ".orgstate" / "tenant.db") == []


def test_a_backend_giving_up_mid_apply_prints_the_summary_and_a_true_journal(
    emulator: list[RunningEmulator], tmp_path: Path
) -> None:
    """The lark client's attempts (3 here, LARK_MAX_ATTEMPTS) against a service that went away."""
    db = tmp_path / "lark.db"
    init_tenant(db, load_fixture(EXAMPLES / "tenant.yaml"))
    app_id = f"cli_giveup_{time.monotonic_ns()}"
    server = serve(emulator, db, app_id)
    port = server.url.rsplit(":", 1)[1]
    env = {"LARK_APP_ID": app_id, "LARK_APP_SECRET": SECRET, "LARK_TIMEOUT": "2", "LARK_MAX_ATTEMPTS": "3"}
    args = ("-f", str(EXAMPLES / "org.yaml"), "--backend", f"lark:{server.url}", "--auto-approve")
    apply = ApplyProcess(tmp_path, *args, env=env)
    apply.wait_for_changes(3)
    server.process.kill()
    server.process.wait()
    assert apply.finish(timeout=180) == 1
    summary = next(line for line in apply.lines if line.startswith("Apply incomplete:"))
    assert " interrupted, " in summary and " not started " in summary, summary
    assert "kept failing" in apply.stdout.split("Stopped: ", 1)[1]
    assert "  interrupted c0" in apply.stdout and "Run apply again" in apply.stdout
    assert "error: " in apply.stderr and "after 3 attempts" in apply.stderr and "Traceback" not in apply.stderr
    statuses = journal_statuses(f"sqlite:{tmp_path / '.orgstate' / 'state.db'}")
    assert "running" not in statuses and statuses["interrupted"] >= 1

    serve(emulator, db, app_id, "--port", port)
    again = ApplyProcess(tmp_path, *args, env=env)
    assert again.finish() == 0, again.stdout + again.stderr
    assert repeated_operations(db) == []
