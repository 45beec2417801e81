"""apply_plan: run a plan's changes in order through a backend, under the state store's
lock, journaling each one so that a run killed at any point resumes where it stopped.

The journal vouches only for the plan instance that wrote it, on the tenant it wrote
to: it is keyed by the plan's unique id and the backend's tenant. Before the first
change, under the lock, the run proves that it starts from what the plan saw: the
work of an earlier run of this plan still holds (each done change is verified
again), and every object the remaining changes touch or depend on is as the plan
found it (a stale plan writes nothing). Each change is then applied (the backend
re-reads its target and does nothing when it already holds) and verified. A change
that fails is journaled and the run goes on with the changes that do not depend on
it; those that do are skipped and listed.

Before every change the run checks, by its lock's id, that the lock is still its own
(renewing its heartbeat in the same transaction as journaling the change as running),
and that no stop was requested (SIGINT, SIGTERM); a run that lost its lock or was asked
to stop goes no further. However a run ends (a backend that keeps failing, a lost lock,
a stop, any exception), the journal is left true: a change that was under way is
journaled "interrupted" with the reason (the next run verifies whether it took effect),
the result says what was applied, failed, skipped, interrupted and not started, and the
lock is released."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from orgstate.appliers.base import Backend, Outcome, batches
from orgstate.errors import Interrupted, OrgstateError, StalePlan, TenantError
from orgstate.executor.passwords import PasswordFile
from orgstate.executor.reporter import Reporter
from orgstate.executor.stale import stale_objects
from orgstate.planner.changes import Change
from orgstate.planner.fingerprints import reads, untouched
from orgstate.planner.plan import Plan
from orgstate.statestore import Audited, Holder, Lock, StateStore

# A journal row in one of these was started by a run that did not see it end: it may or
# may not have taken effect, and the next run verifies which.
UNFINISHED = ("running", "interrupted")


class StopRequest:
    """Set from outside the run (a signal handler) to stop it before its next change."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason


@dataclass
class ApplyResult:
    plan_id: str
    done: dict[str, str] = field(default_factory=dict)  # change id -> outcome
    failed: dict[str, str] = field(default_factory=dict)  # change id -> error
    skipped: dict[str, str] = field(default_factory=dict)  # change id -> why
    interrupted: dict[str, str] = field(default_factory=dict)  # change id -> why: under way when the run stopped
    not_started: list[str] = field(default_factory=list)  # change ids the run stopped before
    earlier: int = 0  # changes a previous run of this plan completed
    password_file: str | None = None
    started: bool = False  # past the checks: the run began carrying out changes
    stopped: str | None = None  # why the run ended before its last change

    @property
    def ok(self) -> bool:
        return not (self.failed or self.skipped or self.interrupted or self.not_started or self.stopped)


def journal_key(plan: Plan, backend: Backend) -> str:
    """What the journal of this plan on this backend's tenant is kept under."""
    tenant = hashlib.sha256(backend.tenant_id.encode()).hexdigest()[:16]
    return f"{plan.id}@{tenant}"


def apply_plan(
    plan: Plan,
    backend: Backend,
    store: StateStore,
    passwords: PasswordFile,
    reporter: Reporter | None = None,
    holder: Holder | None = None,
    *,
    lock_timeout: float = 0,
    stop: StopRequest | None = None,
    result: ApplyResult | None = None,
) -> ApplyResult:
    """Carry the plan out under the lock (waiting up to `lock_timeout` seconds for it).

    `result`, when given, is filled in as the run goes, so that a caller can tell what
    was done however the run ends, also when it ends with an exception (a backend that
    kept failing, LockLost, Interrupted, or a bug)."""
    reporter = reporter or Reporter()
    holder = holder or Holder.here()
    result = result if result is not None else ApplyResult(plan.id)
    key = journal_key(plan, backend)
    lock = store.acquire(key, holder, timeout=lock_timeout)
    try:
        with store.keep_alive(lock):
            _apply_locked(plan, Run(backend, store, passwords, reporter, str(holder), result, key, lock), stop)
    finally:
        store.release(lock)
        reporter.finished()
    return result


def _apply_locked(plan: Plan, run: Run, stop: StopRequest | None) -> None:
    backend, result = run.backend, run.result
    statuses = run.store.statuses(run.journal)
    done = [change for change in plan.changes if statuses.get(change.id) == "done"]
    pending = [change for change in plan.changes if statuses.get(change.id) != "done"]
    backend.prepare(plan)
    # A change a killed or stopped run was carrying out either happened (it holds now) or
    # did not (its objects are as the plan saw them); anything else is a stale plan.
    happened = [c for c in pending if statuses.get(c.id) in UNFINISHED and backend.verify(c) is None]
    _refuse_changed_work(plan, done, happened, backend)
    _refuse_stale(plan, pending, [*done, *happened], backend)
    result.earlier = len(done)
    run.passwords.reserve()
    result.started = True
    run.reporter.starting(len(plan.changes), len(pending))
    try:
        for batch in batches(pending):
            if stop is not None and stop.reason is not None:
                raise Interrupted(f"{stop.reason}: stopped before change {batch[0].id}")
            _run(batch, run)
    except BaseException as exc:  # not handled here: the journal is made true, then it goes on
        run.stop(pending, _reason(exc))
        raise
    finally:
        run.passwords.discard_if_unused()
    result.password_file = str(run.passwords.path) if run.passwords.written else None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OrgstateError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"internal error: {type(exc).__name__}: {exc}"


def _refuse_changed_work(plan: Plan, done: list[Change], happened: list[Change], backend: Backend) -> None:
    """A resumed run counts an earlier run's work only while it still holds: the last
    change an earlier run made to each object is verified again. That may be one it was
    carrying out when it stopped (`happened`, verified already): a deletion interrupted
    after the tenant made it supersedes the suspension done before it."""
    earlier = {change.id for change in [*done, *happened]}
    last = {change.address: change for change in plan.changes if change.id in earlier}
    finished = {change.id for change in done}
    undone = [
        f"  {c.id} {c.address}: {why}"
        for c in last.values()
        if c.id in finished and (why := backend.verify(c)) is not None
    ]
    if undone:
        raise StalePlan(
            "the tenant no longer holds what an earlier run of this plan did; plan again.\n" + "\n".join(undone[:50])
        )


def _refuse_stale(plan: Plan, pending: list[Change], started: list[Change], backend: Backend) -> None:
    """Every object the remaining changes touch or depend on must be as the plan saw it,
    but for those that changes done (or interrupted) by an earlier run may have changed
    on purpose, directly or through the tenant's own rules."""
    if not pending:
        return
    keys = untouched({key for change in pending for key in reads(change)}, started)
    stale = stale_objects(plan, backend.read_snapshot(), keys)
    if stale:
        lines = "\n".join(f"  {item.describe()}" for item in stale[:50])
        more = f"\n  and {len(stale) - 50} more" if len(stale) > 50 else ""
        raise StalePlan(f"the plan is stale: the tenant changed since it was made; plan again.\n{lines}{more}")


@dataclass
class Run:
    backend: Backend
    store: StateStore
    passwords: PasswordFile
    reporter: Reporter
    holder: str
    result: ApplyResult
    journal: str
    lock: Lock
    in_flight: dict[str, Change] = field(default_factory=dict)  # journaled running, not yet finished

    def start(self, changes: list[Change]) -> None:
        """Check that the lock is still ours (raises LockLost) and journal the changes as
        running, in one transaction."""
        self.store.start_changes(self.journal, self.lock, [(change.id, change.address) for change in changes])
        self.in_flight.update((change.id, change) for change in changes)

    def _audited(self, change: Change, outcome: str, message: str) -> Audited:
        action = f"{change.type}.{change.action}"
        return Audited(self.holder, change.address, action, outcome, message, self.result.plan_id)

    def fail(self, change: Change, error: str) -> None:
        self.store.finished(
            self.journal, change.id, "failed", error=error, audited=self._audited(change, "failed", error)
        )
        self.in_flight.pop(change.id, None)
        self.result.failed[change.id] = error
        self.reporter.change_done(change, "failed", error)

    def done(self, change: Change, outcome: Outcome) -> None:
        audited = self._audited(change, outcome.value, change.reason)
        self.store.finished(self.journal, change.id, "done", outcome=outcome.value, audited=audited)
        self.in_flight.pop(change.id, None)
        self.result.done[change.id] = outcome.value
        self.reporter.change_done(change, "done", outcome.value)

    def skip(self, change: Change, why: str) -> None:
        self.store.finished(self.journal, change.id, "skipped", error=why)
        self.result.skipped[change.id] = why
        self.reporter.change_done(change, "skipped", why)

    def stop(self, pending: list[Change], reason: str) -> None:
        """The run ends before its last change: journal what was under way as interrupted,
        and say what was never started."""
        in_flight = [(c.id, c.address, f"{c.type}.{c.action}") for c in self.in_flight.values()]
        marked, trouble = self.store.interrupt(
            self.journal, self.lock, in_flight, reason, actor=self.holder, audit_plan_id=self.result.plan_id
        )
        if trouble is not None:
            reason = f"{reason} (the journal could not be updated: {trouble})"
        self.result.stopped = reason
        for change in self.in_flight.values():
            if change.id in marked or trouble is not None:  # else its end was journaled just before the stop
                self.result.interrupted[change.id] = reason
                self.reporter.change_done(change, "interrupted", reason)
        reached = self.result.done.keys() | self.result.failed.keys() | self.result.skipped.keys()
        reached |= self.result.interrupted.keys() | self.in_flight.keys()
        self.result.not_started = [change.id for change in pending if change.id not in reached]
        self.in_flight.clear()


def _run(batch: list[Change], run: Run) -> None:
    ready: list[Change] = []
    blocked: list[tuple[Change, list[str]]] = []
    for change in batch:
        failed = [dep for dep in change.depends_on if dep in run.result.failed or dep in run.result.skipped]
        if failed:
            blocked.append((change, failed))
        else:
            ready.append(change)
    run.start(ready)  # before anything is written: the lock must still be ours
    for change, failed in blocked:
        run.skip(change, f"depends on {', '.join(failed)}, which did not complete")
    if not ready:
        return
    outcomes = run.backend.apply_many(ready)
    for member_id, password in run.backend.take_passwords().items():
        run.passwords.write(member_id, password)
    for change, outcome in zip(ready, outcomes, strict=True):
        if isinstance(outcome, TenantError):
            run.fail(change, str(outcome))
            continue
        mismatch = run.backend.verify(change)
        if mismatch is not None:
            run.fail(change, f"{change.id} {change.address}: after applying, {mismatch}")
        else:
            run.done(change, outcome)
