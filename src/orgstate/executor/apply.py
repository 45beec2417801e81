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
it; those that do are skipped and listed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from orgstate.appliers.base import Backend, Outcome
from orgstate.errors import OrgstateError, TenantError
from orgstate.executor.passwords import PasswordFile
from orgstate.executor.reporter import Reporter
from orgstate.executor.stale import stale_objects
from orgstate.planner.changes import Change, GroupMemberAdd, GroupMemberRemove
from orgstate.planner.fingerprints import reads, untouched
from orgstate.planner.plan import Plan
from orgstate.statestore import StateStore
from orgstate.statestore.store import this_holder


class StalePlan(OrgstateError):
    pass


@dataclass
class ApplyResult:
    plan_id: str
    done: dict[str, str] = field(default_factory=dict)  # change id -> outcome
    failed: dict[str, str] = field(default_factory=dict)  # change id -> error
    skipped: dict[str, str] = field(default_factory=dict)  # change id -> why
    earlier: int = 0  # changes a previous run of this plan completed
    password_file: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


BATCH_LIMIT = 100  # the Open API's batch_add / batch_remove take 1 to 100 members


def batches(changes: list[Change]) -> Iterator[list[Change]]:
    """Consecutive changes that may go to the backend as one call: group-member changes of
    one group and action, none depending on another, at most BATCH_LIMIT; others alone."""
    batch: list[Change] = []
    for change in changes:
        if batch and _joins(batch, change):
            batch.append(change)
            continue
        if batch:
            yield batch
        batch = [change]
    if batch:
        yield batch


def _group_of(change: Change) -> str | None:
    return change.target.ids[0] if isinstance(change, GroupMemberAdd | GroupMemberRemove) else None


def _joins(batch: list[Change], change: Change) -> bool:
    first = batch[0]
    return (
        len(batch) < BATCH_LIMIT
        and _group_of(first) is not None
        and (first.type, first.action, _group_of(first)) == (change.type, change.action, _group_of(change))
        and not set(change.depends_on) & {c.id for c in batch}
    )


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
    holder: str | None = None,
) -> ApplyResult:
    reporter = reporter or Reporter()
    holder = holder or this_holder()
    result = ApplyResult(plan.id)
    run = journal_key(plan, backend)
    lock = store.acquire(run, holder)
    try:
        statuses = store.statuses(run)
        done = [change for change in plan.changes if statuses.get(change.id) == "done"]
        pending = [change for change in plan.changes if statuses.get(change.id) != "done"]
        backend.prepare(plan)
        _refuse_changed_work(done, backend)
        # A change a killed run was carrying out either happened (it holds now) or did
        # not (its objects are as the plan saw them); anything else is a stale plan.
        happened = [c for c in pending if statuses.get(c.id) == "running" and backend.verify(c) is None]
        _refuse_stale(plan, pending, [*done, *happened], backend)
        result.earlier = len(done)
        reporter.starting(len(plan.changes), len(pending))
        passwords.reserve()
        try:
            for batch in batches(pending):
                _run(batch, Run(backend, store, passwords, reporter, holder, result, run))
        finally:
            passwords.discard_if_unused()
        result.password_file = str(passwords.path) if passwords.written else None
    finally:
        store.release(lock)
        reporter.finished()
    return result


def _refuse_changed_work(done: list[Change], backend: Backend) -> None:
    """A resumed run counts an earlier run's work only while it still holds: the last
    done change of each object is verified again."""
    last = {change.address: change for change in done}
    undone = [f"  {c.id} {c.address}: {why}" for c in last.values() if (why := backend.verify(c)) is not None]
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

    def fail(self, change: Change, error: str) -> None:
        self.store.finished(self.journal, change.id, "failed", error=error)
        self.store.record(
            self.holder,
            change.address,
            f"{change.type}.{change.action}",
            "failed",
            error,
            self.result.plan_id,
            change.id,
        )
        self.result.failed[change.id] = error
        self.reporter.change_done(change, "failed", error)

    def done(self, change: Change, outcome: Outcome) -> None:
        self.store.finished(self.journal, change.id, "done", outcome=outcome.value)
        self.store.record(
            self.holder,
            change.address,
            f"{change.type}.{change.action}",
            outcome.value,
            change.reason,
            self.result.plan_id,
            change.id,
        )
        self.result.done[change.id] = outcome.value
        self.reporter.change_done(change, "done", outcome.value)

    def skip(self, change: Change, why: str) -> None:
        self.store.finished(self.journal, change.id, "skipped", error=why)
        self.result.skipped[change.id] = why
        self.reporter.change_done(change, "skipped", why)


def _run(batch: list[Change], run: Run) -> None:
    ready = []
    for change in batch:
        blocked = [dep for dep in change.depends_on if dep in run.result.failed or dep in run.result.skipped]
        if blocked:
            run.skip(change, f"depends on {', '.join(blocked)}, which did not complete")
        else:
            run.store.started(run.journal, change.id, change.address)
            ready.append(change)
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
