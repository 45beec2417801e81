"""The steps the commands run: load and check -> snapshot -> plan (or drift) -> render | apply.

Each step takes values and returns a value, or raises an OrgstateError; none prints or
exits. The CLI opens the backend and the state store, calls these steps, renders what
they return and chooses the exit code."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgstate.appliers.base import Backend, FindsMembers, LooksUpMembers
from orgstate.appliers.lookup import MemberMatch, is_member_id, match_member, phone_forms
from orgstate.appliers.urls import same_backend
from orgstate.config.loader import load_config
from orgstate.config.settings import STATE_ENV
from orgstate.config.sources import Sources
from orgstate.diagnostics import Diagnostic, has_errors
from orgstate.drift.detect import DriftReport, detect_drift
from orgstate.errors import ConfigError, OrgstateError, UsageError
from orgstate.executor.passwords import PasswordFile
from orgstate.export.merge import merge_into
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.context import CAPABILITIES, PlanOptions
from orgstate.planner.explain import Explanation, explain
from orgstate.planner.fingerprints import bytes_digest
from orgstate.planner.plan import Plan
from orgstate.progress import SILENT, Progress, counted
from orgstate.render.plan_json import read_plan
from orgstate.rules.check import check_static
from orgstate.rules.context import RuleContext
from orgstate.statestore import StateStore
from orgstate.statestore.store import AuditEntry, open_existing_store, this_holder


@dataclass(frozen=True)
class Checked:
    """A configuration as read, with its static diagnostics; `config` and `rules` are
    None when the files could not be read into one."""

    config: OrgConfig | None
    sources: Sources
    rules: RuleContext | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def has_errors(self) -> bool:
        return self.config is None or has_errors(list(self.diagnostics))

    def usable(self) -> tuple[OrgConfig, RuleContext]:
        """The configuration and its rules, for the steps that need one without errors."""
        if self.config is None or self.rules is None or self.has_errors:
            raise ConfigError("the configuration has errors", list(self.diagnostics))
        return self.config, self.rules


def check(paths: Sequence[Path]) -> Checked:
    """Read the configuration files and run the static rules; every problem is a diagnostic."""
    loaded = load_config(paths)
    if loaded.config is None:
        found = list(loaded.diagnostics)
        if loaded.partial is not None:  # the items that passed the schema still meet the rules
            partial = loaded.partial
            context = RuleContext(partial.config, partial.sources, unchecked=partial.unchecked)
            found.extend(check_static(partial.config, partial.sources, context))
        return Checked(None, loaded.sources, None, tuple(sorted(found, key=Diagnostic.sort_key)))
    rules = RuleContext(loaded.config, loaded.sources)
    return Checked(loaded.config, loaded.sources, rules, tuple(check_static(loaded.config, loaded.sources, rules)))


def read_snapshot(checked: Checked, backend: Backend) -> TenantState:
    """The live tenant, as a plan of `checked` needs it: a backend that cannot list
    deleted members is first told the declared ones, so that it names them."""
    config, _ = checked.usable()
    if isinstance(backend, LooksUpMembers):
        backend.look_up_members(member.id for member in config.members)
    return backend.read_snapshot()


def make_plan(
    checked: Checked,
    backend: Backend,
    snapshot: TenantState,
    backend_url: str,
    allow_removals: int | None = None,
    targets: Sequence[str] = (),
    progress: Progress = SILENT,
) -> Plan:
    """The plan from `snapshot` (read from `backend`) to `checked`, carrying its static
    diagnostics before the plan's own and the backend's estimate of how long apply will
    take; with `targets`, only their changes and what those depend on (planner/targets.py)."""
    config, rules = checked.usable()
    digest = bytes_digest(*(f.name.encode() + b"\0" + f.data for f in checked.sources.files))
    options = PlanOptions(
        backend=backend_url,
        allow_removals=allow_removals,
        capabilities=backend.capabilities,
        unheld=backend.unheld,
    )
    with progress.phase("Planning") as phase:
        plan = build_plan(
            config,
            snapshot,
            options,
            sources=checked.sources,
            config_digest=digest,
            snapshot_digest=backend.snapshot_digest,
            rules=rules,
            targets=targets,
        )
        phase.result(counted(len(plan.changes), "change"))
    return dataclasses.replace(
        plan, diagnostics=(*checked.diagnostics, *plan.diagnostics), estimate=backend.estimate(plan, snapshot)
    )


def explain_object(
    checked: Checked, backend: Backend, snapshot: TenantState, backend_url: str, address: str
) -> Explanation:
    """One object of `checked` and of `snapshot` (read from `backend`), from the full plan."""
    config, rules = checked.usable()
    plan = make_plan(checked, backend, snapshot, backend_url)
    return explain(config, snapshot, rules, plan, address, backend.unheld)


def detect(
    checked: Checked, backend: Backend, snapshot: TenantState, backend_url: str, progress: Progress = SILENT
) -> DriftReport:
    """Where `snapshot` (read from `backend`) differs from `checked`."""
    config, rules = checked.usable()
    with progress.phase("Comparing"):
        return detect_drift(
            config, snapshot, backend_url, rules, capabilities=backend.capabilities, unheld=backend.unheld
        )


def merge_export(path: Path, snapshot: TenantState, exported: dict[str, Any]) -> list[str]:
    """`export --merge`: bring the file at `path` up to `snapshot`, whose export document
    is `exported` (export/merge.py), then write out the seat each member holds where the
    file's seat assignments would give another, so that the file plans to no changes.
    Returns what changed."""
    changes = merge_into(path, exported)
    pinned: set[str] = set()
    while True:  # pinning one seat can free or fill a plan for a rule: until none moves
        checked = check([path])
        if checked.has_errors:
            return changes
        config, rules = checked.usable()
        plan = build_plan(config, snapshot, sources=checked.sources, rules=rules)
        moved = {member for change in plan.changes if change.type == "seat" for member in change.payload_ids()}
        if not moved - pinned:
            return changes
        pinned |= moved
        changes += merge_into(path, exported, pinned)


def read_saved_plan(path: Path, backend_url: str) -> Plan:
    """A saved plan, for the backend apply is set to: a saved plan never chooses where
    credentials go (the command line, the environment or orgstate.toml does)."""
    plan = read_plan(path)
    if not same_backend(plan.backend, backend_url):
        raise UsageError(
            f"the plan was made for {plan.backend}, but apply is set to {backend_url} (--backend, "
            "ORGSTATE_BACKEND or orgstate.toml): apply it there, or plan again for this backend"
        )
    return plan


def find_member(backend: Backend, text: str) -> MemberMatch:
    """The member `text` names by User ID, email or phone (appliers.lookup): found through
    the backend's own search when it has one, else (and for suggestions on a miss) among
    the members of a snapshot."""
    if isinstance(backend, FindsMembers):
        member_id = text if is_member_id(text) else None
        emails = [text.strip()] if "@" in text else []
        found = backend.find_members(member_id, emails, phone_forms(text))
        if found:
            return match_member(found, text)
    return match_member(backend.read_snapshot().members, text)


def reset_password(
    backend: Backend,
    store: StateStore,
    backend_url: str,
    member: str,
    send: str | None,
    out: Path | None,
    passwords_dir: Path,
) -> str:
    """Reset the password of the member with User ID `member` and deliver it: into a new
    private file (`out`, else one in `passwords_dir`), or by the tenant (`send`: email,
    phone, self) when no file is asked for. The audit log records it; returns how it was
    delivered."""
    if send is not None and "password_delivery" not in backend.capabilities:
        raise UsageError(f"{backend_url} cannot {CAPABILITIES['password_delivery']}: use --out FILE and hand it over")
    sink = None if send is not None and out is None else PasswordFile(passwords_dir, f"reset-{member}", out)
    path = sink.reserve() if sink is not None else None
    try:
        password = backend.reset_password(member, send)
    except OrgstateError:
        if path is not None:
            path.unlink()
        raise
    if sink is not None:
        sink.write(member, password)
        delivery = f"written to {path}"
    else:
        delivery = f"sent by {send}"
    store.record(this_holder(), f"member.{member}", "reset_password", "done", delivery)
    return delivery


def read_audit_log(
    state_url: str | None,
    limit: int,
    *,
    since: dt.datetime | None = None,
    plan_id: str | None = None,
    addresses: Collection[str] = (),
) -> list[AuditEntry] | None:
    """The latest audit entries that match the filters, creating nothing; None when the
    default state store does not exist yet. A state store that was named (--state,
    ORGSTATE_STATE, orgstate.toml) and does not exist is an error, not an empty log: a
    mistyped URL must not pass for a tenant nobody changed."""
    store = open_existing_store(state_url)
    if store is None:
        if state_url is not None:
            raise UsageError(
                f"state store {state_url} does not exist (no SQLite file, or no orgstate tables in the database): "
                f"check --state, {STATE_ENV} and orgstate.toml; the first apply creates it"
            )
        return None
    with closing(store):
        return store.entries(limit, since=since, plan_id=plan_id, addresses=addresses)
