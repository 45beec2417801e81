"""The steps the commands run: load and check -> snapshot -> plan (or drift) -> render | apply.

Each step takes values and returns a value, or raises an OrgstateError; none prints or
exits. The CLI opens the backend and the state store, calls these steps, renders what
they return and chooses the exit code."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orgstate.appliers.base import Backend, LooksUpMembers
from orgstate.appliers.urls import same_backend
from orgstate.config.loader import load_config
from orgstate.config.sources import Sources
from orgstate.diagnostics import Diagnostic, has_errors
from orgstate.drift.detect import DriftReport, detect_drift
from orgstate.errors import ConfigError, OrgstateError, UsageError
from orgstate.executor.passwords import PasswordFile
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.context import CAPABILITIES, PlanOptions
from orgstate.planner.fingerprints import bytes_digest
from orgstate.planner.plan import Plan
from orgstate.render.plan_json import read_plan
from orgstate.rules.check import check_static
from orgstate.rules.context import RuleContext
from orgstate.statestore import StateStore
from orgstate.statestore.store import this_holder


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
        return Checked(None, loaded.sources, None, tuple(loaded.diagnostics))
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
    checked: Checked, backend: Backend, snapshot: TenantState, backend_url: str, allow_removals: int | None = None
) -> Plan:
    """The plan from `snapshot` (read from `backend`) to `checked`, carrying its static
    diagnostics before the plan's own."""
    config, rules = checked.usable()
    digest = bytes_digest(*(f.name.encode() + b"\0" + f.data for f in checked.sources.files))
    options = PlanOptions(backend=backend_url, allow_removals=allow_removals, capabilities=backend.capabilities)
    plan = build_plan(
        config,
        snapshot,
        options,
        sources=checked.sources,
        config_digest=digest,
        snapshot_digest=backend.snapshot_digest,
        rules=rules,
    )
    return dataclasses.replace(plan, diagnostics=(*checked.diagnostics, *plan.diagnostics))


def detect(checked: Checked, backend: Backend, snapshot: TenantState, backend_url: str) -> DriftReport:
    """Where `snapshot` (read from `backend`) differs from `checked`."""
    config, rules = checked.usable()
    return detect_drift(config, snapshot, backend_url, rules, capabilities=backend.capabilities)


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


def reset_password(
    backend: Backend,
    store: StateStore,
    backend_url: str,
    member: str,
    send: str | None,
    out: Path | None,
    passwords_dir: Path,
) -> str:
    """Reset `member`'s password and deliver it: into a new private file (`out`, else one
    in `passwords_dir`), or by the tenant (`send`: email, phone, self) when no file is
    asked for. The audit log records it; returns how it was delivered."""
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
