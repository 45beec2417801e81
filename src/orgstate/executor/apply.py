"""apply_plan: run a plan's changes in order through a backend, under the state store's
lock, journaling each one so that a run killed at any point resumes where it stopped.

Each change is applied (the backend re-reads its target and does nothing when it
already holds), then verified against its `after`. A change that fails is journaled
and the run goes on with the changes that do not depend on it; those that do are
skipped and listed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from orgstate.appliers.base import Backend, Outcome
from orgstate.errors import OrgstateError, TenantError
from orgstate.executor.passwords import PasswordFile
from orgstate.executor.reporter import Reporter
from orgstate.planner.changes import Change, GroupMemberAdd, GroupMemberRemove
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
    lock = store.acquire(result.plan_id, holder)
    try:
        statuses = store.statuses(result.plan_id)
        result.earlier = sum(1 for status in statuses.values() if status == "done")
        reporter.starting(len(plan.changes), len(plan.changes) - result.earlier)
        backend.prepare(plan)
        pending = [change for change in plan.changes if statuses.get(change.id) != "done"]
        passwords.reserve()
        try:
            for batch in batches(pending):
                _run(batch, Run(backend, store, passwords, reporter, holder, result))
        finally:
            passwords.discard_if_unused()
        result.password_file = str(passwords.path) if passwords.written else None
    finally:
        store.release(lock)
        reporter.finished()
    return result


@dataclass
class Run:
    backend: Backend
    store: StateStore
    passwords: PasswordFile
    reporter: Reporter
    holder: str
    result: ApplyResult

    def fail(self, change: Change, error: str) -> None:
        self.store.finished(self.result.plan_id, change.id, "failed", error=error)
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
        self.store.finished(self.result.plan_id, change.id, "done", outcome=outcome.value)
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
        self.store.finished(self.result.plan_id, change.id, "skipped", error=why)
        self.result.skipped[change.id] = why
        self.reporter.change_done(change, "skipped", why)


def _run(batch: list[Change], run: Run) -> None:
    ready = []
    for change in batch:
        blocked = [dep for dep in change.depends_on if dep in run.result.failed or dep in run.result.skipped]
        if blocked:
            run.skip(change, f"depends on {', '.join(blocked)}, which did not complete")
        else:
            run.store.started(run.result.plan_id, change.id, change.address)
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
