"""apply_plan: run a plan's changes in order through a backend, under the state store's
lock, journaling each one so that a run killed at any point resumes where it stopped.

Each change is applied (the backend re-reads its target and does nothing when it
already holds), then verified against its `after`. A change that fails is journaled
and the run goes on with the changes that do not depend on it; those that do are
skipped and listed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from orgstate.appliers.base import Backend
from orgstate.errors import OrgstateError, TenantError
from orgstate.executor.passwords import PasswordFile
from orgstate.executor.reporter import Reporter
from orgstate.planner.changes import Change
from orgstate.planner.plan import Plan
from orgstate.statestore import StateStore
from orgstate.statestore.store import this_holder


class StalePlan(OrgstateError):
    pass


class ResultMismatch(OrgstateError):
    """The backend took a change, but the target does not hold what it asked for."""


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


def plan_id(plan: Plan) -> str:
    """The same plan always has the same id, so its journal survives a crash."""
    body = json.dumps(
        [plan.config_digest, plan.state_digest, [c.model_dump(mode="json") for c in plan.changes]], sort_keys=True
    )
    return "plan-" + hashlib.sha256(body.encode()).hexdigest()[:20]


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
    result = ApplyResult(plan_id(plan))
    lock = store.acquire(result.plan_id, holder)
    try:
        statuses = store.statuses(result.plan_id)
        result.earlier = sum(1 for status in statuses.values() if status == "done")
        reporter.starting(len(plan.changes), len(plan.changes) - result.earlier)
        backend.prepare(plan)
        for change in plan.changes:
            if statuses.get(change.id) == "done":
                continue
            _run(change, backend, store, passwords, reporter, holder, result)
        result.password_file = str(passwords.path) if passwords.created else None
    finally:
        store.release(lock)
        reporter.finished()
    return result


def _run(
    change: Change,
    backend: Backend,
    store: StateStore,
    passwords: PasswordFile,
    reporter: Reporter,
    holder: str,
    result: ApplyResult,
) -> None:
    blocked = [dep for dep in change.depends_on if dep in result.failed or dep in result.skipped]
    action = f"{change.type}.{change.action}"
    if blocked:
        why = f"depends on {', '.join(blocked)}, which did not complete"
        store.finished(result.plan_id, change.id, "skipped", error=why)
        result.skipped[change.id] = why
        reporter.change_done(change, "skipped", why)
        return
    store.started(result.plan_id, change.id, change.address)
    try:
        outcome = backend.apply(change)
        for member_id, password in backend.take_passwords().items():
            passwords.write(member_id, password)
        mismatch = backend.verify(change)
        if mismatch is not None:
            raise ResultMismatch(f"{change.id} {change.address}: after applying, {mismatch}")
    except (TenantError, ResultMismatch) as exc:
        error = str(exc)
        store.finished(result.plan_id, change.id, "failed", error=error)
        store.record(holder, change.address, action, "failed", error, result.plan_id, change.id)
        result.failed[change.id] = error
        reporter.change_done(change, "failed", error)
        return
    store.finished(result.plan_id, change.id, "done", outcome=outcome.value)
    store.record(holder, change.address, action, outcome.value, change.reason, result.plan_id, change.id)
    result.done[change.id] = outcome.value
    reporter.change_done(change, "done", outcome.value)
