"""The lark backend keeps a plan's promises, against a real emulator process on loopback:
password resets name their id type, initial passwords are handed over once without
using up resets, deleted members are restored rather than created again, a group create
survives a resumed run, every change is verified by reading the tenant again, and what
the backend cannot do is said in the plan and the drift report."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from orgstate.appliers.base import Outcome
from orgstate.appliers.lark import LarkBackend
from orgstate.appliers.lark.backend import WITH_EXTENSIONS
from orgstate.appliers.lark.client import LarkApi
from orgstate.config.loader import load_config
from orgstate.drift.detect import detect_drift
from orgstate.emulator.process import start_emulator
from orgstate.errors import TenantError
from orgstate.executor.apply import ApplyResult, apply_plan, journal_key
from orgstate.executor.passwords import PasswordFile
from orgstate.lark.passwords import VALID_PASSWORD
from orgstate.model.config import Member, Offboarding, OrgConfig, Retention, UserGroup
from orgstate.model.live import Resources, TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.changes import ResourcesTransfer, UserGroupCreate
from orgstate.planner.context import PlanOptions
from orgstate.planner.plan import Plan
from orgstate.statestore import open_store
from orgstate.tenant.fixture import init_tenant, load_fixture
from tests.appliers.test_lark_e2e import ORG, SECRET, Emulator, comparable_tenant, end_state
from tests.conftest import EXAMPLES

GROUPS = "/open-apis/contact/v3/group"
USERS = "/open-apis/contact/v3/users"
BY_USER_ID = {"user_id_type": "user_id", "department_id_type": "department_id"}


@pytest.fixture
def emulators() -> Iterator[list[Emulator]]:
    started: list[Emulator] = []
    yield started
    for emulator in started:
        assert SECRET not in emulator.running.stop(), "the emulator logged the app secret"


def serve(emulators: list[Emulator], tmp_path: Path, name: str, tenant: TenantState | None = None) -> Emulator:
    db = tmp_path / f"{name}.db"
    init_tenant(db, tenant or comparable_tenant())
    app_id = f"cli_{name}_{time.monotonic_ns()}"
    emulator = Emulator(start_emulator(db, app_id, SECRET, "--rate-limits", "off"), db, app_id)
    emulators.append(emulator)
    return emulator


def connect(emulator: Emulator) -> tuple[LarkBackend, LarkApi]:
    api = LarkApi(emulator.url, emulator.app_id, SECRET)
    return LarkBackend(emulator.url, api=api), api


def example() -> OrgConfig:
    config = load_config([EXAMPLES / "org.yaml"]).config
    assert config is not None
    return config


def plan_for(backend: LarkBackend, config: OrgConfig) -> Plan:
    """As `orgstate plan` makes it: the declared members looked up, the backend's capabilities."""
    backend.look_up_members(member.id for member in config.members)
    snapshot = backend.read_snapshot()
    return build_plan(config, snapshot, PlanOptions(backend=backend.name, capabilities=backend.capabilities))


def apply(backend: LarkBackend, plan: Plan, tmp_path: Path, name: str) -> ApplyResult:
    assert plan.applyable, [d.message for d in plan.diagnostics if d.is_error]
    with closing(open_store(f"sqlite:{tmp_path / f'{name}-state.db'}")) as store:
        return apply_plan(plan, backend, store, PasswordFile(tmp_path, f"passwords-{name}"))


def rows(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql, params).fetchall()


def replaced(config: OrgConfig, member_id: str, **fields: object) -> OrgConfig:
    members = tuple(m.model_copy(update=fields) if m.id == member_id else m for m in config.members)
    return config.model_copy(update={"members": members})


# -- 1. reset-password names the id type -------------------------------------------------


def test_reset_password_through_lark(emulators: list[Emulator], tmp_path: Path) -> None:
    emulator = serve(emulators, tmp_path, "reset")
    result = emulator.run(
        "reset-password", "omar", "--backend", emulator.backend, "--out", "omar.csv", "--state", "sqlite:s.db",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = (tmp_path / "omar.csv").read_text().splitlines()[1:]
    member, password = line.split(",")
    assert member == "omar" and VALID_PASSWORD.fullmatch(password)
    assert (tmp_path / "omar.csv").stat().st_mode & 0o777 == 0o600
    assert password not in result.stdout + result.stderr
    assert rows(emulator.db, "SELECT member FROM password_resets") == [("omar",)]


def test_reset_password_through_lark_cannot_send_it(emulators: list[Emulator], tmp_path: Path) -> None:
    """The reset call only sets a password: asked to send it, orgstate refuses before
    resetting anything, rather than reset a password nobody receives."""
    emulator = serve(emulators, tmp_path, "send")
    result = emulator.run(
        "reset-password", "omar", "--backend", emulator.backend, "--send", "email", "--state", "sqlite:s.db",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot send a reset password to the member's email or phone" in result.stderr
    assert rows(emulator.db, "SELECT count(*) FROM password_resets") == [(0,)]


# -- 2. initial passwords ----------------------------------------------------------------


def with_business_logins(config: OrgConfig) -> OrgConfig:
    """A new member who logs in with the business email, and an inactive one switched to it."""
    yara = Member(
        id="yara",
        name="Yara Haddad",
        department="ops",
        work_email="yara@acme.example",
        business_email="yara@acme.larksuite.com",
        login="business_email",
        seat=None,
    )
    config = replaced(config, "kofi", business_email="kofi@acme.larksuite.com", login="business_email")
    return config.model_copy(update={"members": (*config.members, yara)})


def test_initial_passwords_are_handed_over_once_and_use_up_no_reset(emulators: list[Emulator], tmp_path: Path) -> None:
    emulator = serve(emulators, tmp_path, "initial")
    backend, _ = connect(emulator)
    result = apply(backend, plan_for(backend, with_business_logins(example())), tmp_path, "initial")
    assert result.ok, (result.failed, result.skipped)
    assert result.password_file is not None
    lines = Path(result.password_file).read_text().splitlines()[1:]
    passwords = dict(line.split(",") for line in lines)
    assert sorted(passwords) == ["kofi", "yara"]
    assert all(VALID_PASSWORD.fullmatch(p) for p in passwords.values())
    assert backend.take_passwords() == {}, "handed over once"
    # Set as initial passwords: audited (without the password), no reset counted ...
    assert rows(emulator.db, "SELECT count(*) FROM password_resets") == [(0,)]
    audited = rows(emulator.db, "SELECT target, detail FROM audit WHERE operation = 'member.initial_password'")
    assert sorted(target for target, _ in audited) == ["member.kofi", "member.yara"]
    assert not any(p in str(audited) for p in passwords.values())
    # ... so the acting admin still has all five resets of the day.
    for _ in range(5):
        backend.reset_password("omar")
    assert rows(emulator.db, "SELECT count(*) FROM password_resets") == [(5,)]


def test_a_password_reset_of_a_member_who_signed_in_is_a_reset(emulators: list[Emulator], tmp_path: Path) -> None:
    """The initial password is only for a member who has not signed in since their login
    became the business email; afterwards the daily limit holds (1050023)."""
    emulator = serve(emulators, tmp_path, "limit")
    backend, _ = connect(emulator)
    for _ in range(5):
        backend.reset_password("omar")
    with pytest.raises(TenantError, match="1050023"):
        backend.reset_password("omar")


# -- 3. restores -------------------------------------------------------------------------


def full_tenant() -> TenantState:
    """The example tenant with its member deleted 10 days ago (julia)."""
    return load_fixture(EXAMPLES / "tenant.yaml")


def test_a_member_deleted_10_days_ago_is_restored_not_created(emulators: list[Emulator], tmp_path: Path) -> None:
    emulator = serve(emulators, tmp_path, "restore", full_tenant())
    planned = emulator.run("plan", "-f", ORG, "--backend", emulator.backend, "--format", "json", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    julia = [(c["type"], c["action"]) for c in plan["changes"] if c["address"] == "member.julia"]
    assert ("member", "restore") in julia and ("member", "create") not in julia
    notes = [d["message"] for d in plan["diagnostics"] if d["rule"] == "BACKEND-CAPABILITY"]
    assert any("cannot tell when 'julia' was deleted" in note for note in notes)
    applied = emulator.run("apply", "-f", ORG, "--backend", emulator.backend, "--auto-approve", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert rows(emulator.db, "SELECT status FROM members WHERE id = 'julia'") == [("active",)]
    again = emulator.run("plan", "-f", ORG, "--backend", emulator.backend, "--detailed-exitcode", cwd=tmp_path)
    assert again.returncode == 0, again.stdout


# -- 4. a user group create, resumed -----------------------------------------------------


def with_design_group(config: OrgConfig) -> OrgConfig:
    design = UserGroup(id="design", name="Design", description="Product design", members=("alice",))
    return config.model_copy(update={"user_groups": (*config.user_groups, design)})


def test_a_group_create_resumed_after_a_kill_finds_the_group(emulators: list[Emulator], tmp_path: Path) -> None:
    """The killed run had sent the create (Lark's group create takes no client_token) and
    its journal says the change was running: the resumed run finds the group as planned."""
    emulator = serve(emulators, tmp_path, "group")
    backend, api = connect(emulator)
    plan = plan_for(backend, with_design_group(example()))
    [create] = [c for c in plan.changes if isinstance(c, UserGroupCreate)]
    api.call("POST", GROUPS, None, {"group_id": "design", "name": "Design", "description": "Product design", "type": 1})
    with closing(open_store(f"sqlite:{tmp_path / 'group-state.db'}")) as store:
        store.started(journal_key(plan, backend), create.id, create.address)
        result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "passwords-group"))
    assert result.ok, (result.failed, result.skipped)
    assert result.done[create.id] == "unchanged"


def test_a_group_create_that_finds_the_group_otherwise_updates_it(emulators: list[Emulator], tmp_path: Path) -> None:
    emulator = serve(emulators, tmp_path, "group2")
    backend, api = connect(emulator)
    plan = plan_for(backend, with_design_group(example()))
    [create] = [c for c in plan.changes if isinstance(c, UserGroupCreate)]
    api.call("POST", GROUPS, None, {"group_id": "design", "name": "Design", "description": "half-written", "type": 1})
    assert backend.verify(create) == "user_group.design differs in description"
    assert backend.apply(create) is Outcome.UPDATED
    assert backend.verify(create) is None
    assert backend.apply(create) is Outcome.UNCHANGED


# -- 5. verification reads the tenant again ----------------------------------------------


def test_every_change_is_verified_by_reading_the_tenant(emulators: list[Emulator], tmp_path: Path) -> None:
    """Before apply no change holds; after it, a fresh backend (a resumed run) finds the
    last change of each object holding; a field changed out of band is caught."""
    emulator = serve(emulators, tmp_path, "verify", full_tenant())
    config = replaced(with_design_group(example()), "grace", seat=None)
    planner, _ = connect(emulator)
    plan = plan_for(planner, config)
    kinds = {f"{c.type}.{c.action}" for c in plan.changes}
    assert {"member.restore", "user_group.create", "seat.release", "member.delete", "group_member.remove"} <= kinds
    before, _ = connect(emulator)
    before.prepare(plan)
    holding = [c.address for c in plan.changes if not isinstance(c, ResourcesTransfer) and before.verify(c) is None]
    assert holding == [], "these changes verify before they were applied"

    result = apply(connect(emulator)[0], plan, tmp_path, "verify")
    assert result.ok, (result.failed, result.skipped)

    resumed, api = connect(emulator)
    resumed.prepare(plan)
    last = {change.address: change for change in plan.changes}
    assert {a: why for a, c in last.items() if (why := resumed.verify(c)) is not None} == {}
    henry = last["member.henry"]
    api.call("PATCH", f"{USERS}/henry", BY_USER_ID, {"job_title": "Changed out of band"})
    assert "job" in (resumed.verify(henry) or "")
    delete = next(c for c in plan.changes if c.type == "member" and c.action == "delete")
    assert resumed.verify(delete) is None


def test_an_offboarding_the_service_did_otherwise_fails_verification(emulators: list[Emulator], tmp_path: Path) -> None:
    """The emulator says what a deletion did (its own extension call): a transfer that
    went elsewhere than the plan said is reported."""
    emulator = serve(emulators, tmp_path, "offboard")
    backend, api = connect(emulator)
    plan = plan_for(backend, example())
    transfer = next(c for c in plan.changes if isinstance(c, ResourcesTransfer) and c.key == "frank")
    delete = next(c for c in plan.changes if c.address == "member.frank" and c.action == "delete")
    backend.prepare(plan)
    api.call("DELETE", f"{USERS}/frank", BY_USER_ID, {})  # out of band: every resource by the defaults
    assert transfer.after["docs"].to == "grace"
    why = backend.verify(delete) or ""
    assert "offboarding differs from the plan" in why and "docs transferred grace" in why


# -- 6. what the backend cannot do, said once ---------------------------------------------


def capability_notes(plan: Plan) -> list[str]:
    return [d.message for d in plan.diagnostics if d.rule == "BACKEND-CAPABILITY"]


def test_the_plan_and_the_drift_report_say_what_the_backend_cannot_do(
    emulators: list[Emulator], tmp_path: Path
) -> None:
    emulator = serve(emulators, tmp_path, "caps")
    backend, _ = connect(emulator)
    config = example()
    plan = plan_for(backend, config)
    assert backend.capabilities == WITH_EXTENSIONS, "the emulator's extensions answer"
    [seats] = [n for n in capability_notes(plan) if "user group's seat" in n]
    assert "'field-sales' (pro-2026)" in seats and "'support' (basic-2026)" in seats
    [admins] = [n for n in capability_notes(plan) if "founder and the admins" in n]
    assert "'frank'" in admins and "'victor'" in admins and "refuses such a change at apply (Lark codes" in admins
    assert plan.applyable
    report = detect_drift(config, backend.read_snapshot(), backend.name, capabilities=backend.capabilities)
    assert [d.message for d in report.diagnostics if "user group's seat" in d.message] == [seats]


def test_retain_false_through_lark_is_an_error_at_the_entry(emulators: list[Emulator], tmp_path: Path) -> None:
    """victor has no manager: his documents would be retained, and `retain: false` would
    promise their deletion after 30 days, which the Open API cannot ask for."""
    emulator = serve(emulators, tmp_path, "retain")
    backend, _ = connect(emulator)
    config = example()
    entry = Offboarding(id="victor", retain=Retention(docs=False))
    plan = plan_for(backend, config.model_copy(update={"offboarding": (*config.offboarding, entry)}))
    [problem] = [d for d in plan.diagnostics if d.rule == "BACKEND-CAPABILITY" and d.is_error]
    assert problem.address == "member.victor" and "docs" in problem.message
    assert not plan.applyable


def test_a_real_tenant_without_the_emulators_calls_plans_no_transfers_and_says_so(
    emulators: list[Emulator], tmp_path: Path
) -> None:
    """Lark itself has no call for what members own: the snapshot holds no counts, the
    capability is missing, and the plan says what that means."""
    emulator = serve(emulators, tmp_path, "plain")
    backend, _ = connect(emulator)
    snapshot = backend.read_snapshot()
    members = tuple(m.model_copy(update={"resources": Resources()}) for m in snapshot.members)
    options = PlanOptions(backend=backend.name, capabilities=LarkBackend.capabilities)
    plan = build_plan(example(), snapshot.model_copy(update={"members": members}), options)
    assert not [c for c in plan.changes if isinstance(c, ResourcesTransfer)]
    [note] = [n for n in capability_notes(plan) if "cannot read what members own" in n]
    assert "'frank', 'victor'" in note and "offboarding entries of 'frank'" in note


# -- all of it under injected faults ------------------------------------------------------


def test_with_faults_restores_passwords_and_group_creates_converge(emulators: list[Emulator], tmp_path: Path) -> None:
    """Timeouts after the work was done make every retried call meet its own earlier
    attempt: the restore, the group create and the initial passwords survive them."""
    config = with_design_group(with_business_logins(example()))
    ends = []
    for name, faults in (("clean", ()), ("faulty", ("--faults", "timeout=0.08,5xx=0.05,seed=11,stall=1"))):
        db = tmp_path / f"{name}.db"
        init_tenant(db, full_tenant())
        app_id = f"cli_{name}_{time.monotonic_ns()}"
        emulator = Emulator(start_emulator(db, app_id, SECRET, "--rate-limits", "off", *faults), db, app_id)
        emulators.append(emulator)
        backend = LarkBackend(emulator.url, api=LarkApi(emulator.url, app_id, SECRET, timeout=0.5))
        result = apply(backend, plan_for(backend, config), tmp_path, name)
        assert result.ok, (result.failed, result.skipped)
        assert result.password_file is not None
        lines = Path(result.password_file).read_text().splitlines()[1:]
        assert sorted(line.split(",")[0] for line in lines) == ["kofi", "yara"]
        ends.append(end_state(db))
    assert ends[0] == ends[1]
