"""apply_plan against the local backend and a SQLite state store: convergence,
failures and skips, resumption, verification, passwords and stale plans."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from orgstate.appliers.local import LocalBackend
from orgstate.config.loader import load_config
from orgstate.executor.apply import apply_plan, journal_key
from orgstate.executor.passwords import PasswordFile
from orgstate.executor.stale import stale_objects
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.changes import Change
from orgstate.planner.plan import Plan
from orgstate.statestore import Holder, LockHeld, StateStore
from orgstate.tenant.fixture import init_tenant, load_fixture
from tests.conftest import EXAMPLES
from tests.planner.conftest import declaring, live_state, member

TODAY = dt.date(2026, 11, 21)


def backend_for(tmp_path: Path, state: TenantState, name: str = "tenant.db") -> LocalBackend:
    init_tenant(tmp_path / name, state)
    return LocalBackend(tmp_path / name)


def plan_for(config: OrgConfig, backend: LocalBackend) -> Plan:
    return build_plan(config, backend.read_snapshot())


def example_config() -> OrgConfig:
    loaded = load_config([EXAMPLES / "org.yaml"])
    assert loaded.config is not None
    return loaded.config


def test_applying_the_example_converges(tmp_path: Path, store: StateStore) -> None:
    """apply(plan(d, s)) then plan(d, read()) is empty."""
    config = example_config()
    backend = backend_for(tmp_path, load_fixture(EXAMPLES / "tenant.yaml"))
    plan = plan_for(config, backend)
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path / "pw", "p"))
    assert result.ok, (result.failed, result.skipped)
    assert len(result.done) == len(plan.changes)
    assert plan_for(config, backend).changes == ()
    assert [e.change_id for e in store.entries(limit=100)] == [c.id for c in plan.changes]


def test_running_a_finished_plan_again_repeats_nothing(tmp_path: Path, store: StateStore) -> None:
    backend = backend_for(tmp_path, load_fixture(EXAMPLES / "tenant.yaml"))
    plan = plan_for(example_config(), backend)
    apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    audited = backend.tenant.scalar("SELECT count(*) FROM audit")
    again = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert (again.done, again.earlier) == ({}, len(plan.changes))
    assert backend.tenant.scalar("SELECT count(*) FROM audit") == audited


def failing_plan() -> tuple[dict[str, Any], dict[str, Any]]:
    """A new department whose create the tenant refuses (a sibling has its name), a member
    in it, and an unrelated update."""
    live = live_state()
    config = declaring(live)
    config["departments"].append({"id": "web2", "name": "Web", "parent": "eng"})
    config["members"].append(member("amy", department="web2", seat="pro"))
    config["members"][3]["job"] = {"manager": "boss", "title": "Lead"}
    return config, live


def test_a_failure_skips_its_dependents_and_the_rest_goes_on(tmp_path: Path, store: StateStore) -> None:
    config, live = failing_plan()
    backend = backend_for(tmp_path, TenantState.model_validate(live))
    plan = plan_for(OrgConfig.model_validate(config), backend)
    by_address = {c.address: c for c in plan.changes}
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert not result.ok
    assert list(result.failed) == [by_address["department.web2"].id]
    assert "already named 'Web'" in result.failed[by_address["department.web2"].id]
    assert list(result.skipped) == [by_address["member.amy"].id, by_address["seat.amy"].id]
    assert result.done == {by_address["member.lead"].id: "updated"}
    assert store.statuses(journal_key(plan, backend)) == {
        by_address["department.web2"].id: "failed",
        by_address["member.amy"].id: "skipped",
        by_address["seat.amy"].id: "skipped",
        by_address["member.lead"].id: "done",
    }


def test_a_resumed_run_retries_only_what_did_not_complete(tmp_path: Path, store: StateStore) -> None:
    config, live = failing_plan()
    backend = backend_for(tmp_path, TenantState.model_validate(live))
    plan = plan_for(OrgConfig.model_validate(config), backend)
    apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    backend.tenant.patch_department("web", {"name": "Web Team"})  # someone clears the way
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert result.ok and result.earlier == 1 and len(result.done) == 3


class Liar(LocalBackend):
    """A backend that reports success without doing anything."""

    def apply(self, change: Change) -> Any:
        from orgstate.appliers.base import Outcome

        return Outcome.UPDATED


def test_a_result_that_does_not_match_the_plan_is_an_error(tmp_path: Path, store: StateStore) -> None:
    live = live_state()
    config = declaring(live)
    config["members"][3]["name"] = "Leader"
    init_tenant(tmp_path / "t.db", TenantState.model_validate(live))
    backend = Liar(tmp_path / "t.db")
    plan = plan_for(OrgConfig.model_validate(config), backend)
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    (error,) = result.failed.values()
    assert error == "c0001 member.lead: after applying, member.lead differs in name"


def test_initial_passwords_go_to_a_private_file_only(tmp_path: Path, store: StateStore) -> None:
    live = live_state()
    config = declaring(live)
    config["members"].append(member("amy", business_email="amy@acme.larksuite.com", login="business_email", seat="pro"))
    backend = backend_for(tmp_path, TenantState.model_validate(live))
    plan = plan_for(OrgConfig.model_validate(config), backend)
    passwords = PasswordFile(tmp_path / "secrets", "passwords")
    result = apply_plan(plan, backend, store, passwords)
    assert result.password_file is not None
    path = Path(result.password_file)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    header, line = path.read_text().splitlines()
    password = line.split(",")[1]
    assert header == "member,password" and line.startswith("amy,") and len(password) == 8
    for table in ("audit",):
        rows = backend.tenant.query(f"SELECT * FROM {table}")
        assert all(password not in str(tuple(row)) for row in rows)
    assert all(password not in str(entry) for entry in store.entries(limit=1000))


def test_a_second_apply_is_refused_while_the_lock_is_held(tmp_path: Path, store: StateStore) -> None:
    backend = backend_for(tmp_path, TenantState.model_validate(live_state()))
    held = store.acquire("another-plan", holder=Holder("ci", "elsewhere", 1, host_id="another-machine"))
    config, _ = failing_plan()
    plan = plan_for(OrgConfig.model_validate(config), backend)
    with pytest.raises(LockHeld) as caught:
        apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert "ci@elsewhere pid 1" in str(caught.value)
    assert store.statuses(journal_key(plan, backend)) == {}
    store.release(held)


def test_stale_objects_are_those_changed_since_the_plan(tmp_path: Path) -> None:
    backend = backend_for(tmp_path, load_fixture(EXAMPLES / "tenant.yaml"))
    plan = plan_for(example_config(), backend)
    assert stale_objects(plan, backend.read_snapshot()) == []
    backend.tenant.patch_member("bob", {"name": "Robert"})  # an edit in the console
    backend.tenant.create_department(
        __import__("orgstate.model.config", fromlist=["x"]).Department(
            id="eng-robotics-firmware", name="Firmware", parent="eng-robotics"
        )
    )
    stale = stale_objects(plan, backend.read_snapshot())
    assert [item.describe() for item in stale] == [
        "department.eng-robotics-firmware: created since the plan",
        "member.bob: changed since the plan",
    ]
