"""Apply's report is true: a change counts as done only once verified in this run, or in
an earlier run of the same plan instance on the same tenant that still holds; a run
starts only from the state its plan saw."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orgstate.appliers.base import Outcome
from orgstate.appliers.local import LocalBackend
from orgstate.executor.apply import StalePlan, apply_plan
from orgstate.executor.passwords import PasswordFile
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.changes import Change
from orgstate.planner.plan import Plan
from orgstate.statestore import StateStore
from orgstate.tenant.fixture import init_tenant, load_fixture
from tests.conftest import EXAMPLES
from tests.planner.conftest import declaring, live_state
from tests.terminal import read_until, start_on_terminal


def tenant(tmp_path: Path, live: dict[str, Any], name: str = "tenant.db") -> LocalBackend:
    init_tenant(tmp_path / name, TenantState.model_validate(live))
    return LocalBackend(tmp_path / name)


def plan_for(config: dict[str, Any], backend: LocalBackend) -> Plan:
    return build_plan(OrgConfig.model_validate(config), backend.read_snapshot())


def apply(plan: Plan, backend: LocalBackend, store: StateStore, tmp_path: Path) -> Any:
    return apply_plan(plan, backend, store, PasswordFile(tmp_path / "pw", "p"))


def retitled() -> tuple[dict[str, Any], dict[str, Any]]:
    live = live_state()
    config = declaring(live)
    config["members"][3]["job"] = {"manager": "boss", "title": "Lead"}
    return config, live


def test_planning_again_gives_a_new_plan_even_for_the_same_text(tmp_path: Path) -> None:
    config, live = retitled()
    backend = tenant(tmp_path, live)
    first, second = plan_for(config, backend), plan_for(config, backend)
    assert first.changes == second.changes and first.id != second.id


def test_a_plan_applied_then_undone_is_refused_not_reported_done(tmp_path: Path, store: StateStore) -> None:
    """apply v1, apply v0, apply v1 again: the journal of v1 no longer vouches for anything."""
    config, live = retitled()
    backend = tenant(tmp_path, live)
    v1 = plan_for(config, backend)
    assert apply(v1, backend, store, tmp_path).ok
    v0 = plan_for(declaring(live), backend)
    assert apply(v0, backend, store, tmp_path).ok
    with pytest.raises(StalePlan) as caught:
        apply(v1, backend, store, tmp_path)
    assert "no longer holds what an earlier run of this plan did" in str(caught.value)
    assert "member.lead: member.lead differs in job" in str(caught.value)


def test_a_finished_plan_that_still_holds_is_done_earlier(tmp_path: Path, store: StateStore) -> None:
    config, live = retitled()
    backend = tenant(tmp_path, live)
    plan = plan_for(config, backend)
    apply(plan, backend, store, tmp_path)
    again = apply(plan, backend, store, tmp_path)
    assert again.ok and (again.done, again.earlier) == ({}, 1)


def test_a_journal_vouches_only_for_the_tenant_it_was_written_on(tmp_path: Path, store: StateStore) -> None:
    """The plan applied to another tenant first: the real tenant still gets every change."""
    config, live = retitled()
    real, other = tenant(tmp_path, live), tenant(tmp_path, live, "other.db")
    plan = plan_for(config, real)
    assert apply(plan, other, store, tmp_path).ok
    result = apply(plan, real, store, tmp_path)
    assert result.ok and len(result.done) == 1 and result.earlier == 0
    assert real.tenant.member("lead").member.job.title == "Lead"


class Killed(BaseException):
    """Stands for SIGKILL in the middle of a run (the journal keeps what it had)."""


class DiesAfter(LocalBackend):
    def __init__(self, path: Path, changes: int) -> None:
        super().__init__(path)
        self.left = changes

    def apply(self, change: Change) -> Outcome:
        if self.left == 0:
            raise Killed
        self.left -= 1
        return super().apply(change)


def two_updates() -> tuple[dict[str, Any], dict[str, Any]]:
    live = live_state()
    config = declaring(live)
    config["members"][3]["name"] = "Leader"
    config["members"][4]["name"] = "Developer"
    return config, live


def test_a_resumed_run_refuses_a_target_edited_since(tmp_path: Path, store: StateStore) -> None:
    config, live = two_updates()
    backend = tenant(tmp_path, live)
    plan = plan_for(config, backend)
    with pytest.raises(Killed):
        apply(plan, DiesAfter(tmp_path / "tenant.db", 1), store, tmp_path)
    assert backend.tenant.member("dev").member.name == "Developer"  # the first change (by address) is done
    backend.tenant.patch_member("lead", {"name": "Team Lead"})  # the console, meanwhile
    with pytest.raises(StalePlan) as caught:
        apply(plan, backend, store, tmp_path)
    assert "member.lead: changed since the plan" in str(caught.value)
    assert backend.tenant.member("lead").member.name == "Team Lead"  # not overwritten


def test_a_resumed_run_without_edits_finishes_the_work(tmp_path: Path, store: StateStore) -> None:
    config, live = two_updates()
    backend = tenant(tmp_path, live)
    plan = plan_for(config, backend)
    with pytest.raises(Killed):
        apply(plan, DiesAfter(tmp_path / "tenant.db", 1), store, tmp_path)
    result = apply(plan, backend, store, tmp_path)
    assert result.ok and result.earlier == 1 and len(result.done) == 1


def test_a_department_filled_since_the_plan_is_a_stale_plan(tmp_path: Path, store: StateStore) -> None:
    """The plan deletes an empty department; someone moves a member into it meanwhile."""
    live = live_state()
    live["departments"].append({"id": "legacy", "name": "Legacy", "parent": "eng"})
    config = declaring(live)
    config["departments"] = [d for d in config["departments"] if d["id"] != "legacy"]
    config["members"][3]["name"] = "Leader"
    backend = tenant(tmp_path, live)
    plan = plan_for(config, backend)
    backend.tenant.patch_member("dev", {"department": "legacy"})
    with pytest.raises(StalePlan) as caught:
        apply(plan, backend, store, tmp_path)
    assert "department.legacy#contents: changed since the plan" in str(caught.value)
    assert backend.tenant.member("lead").member.name == "Lead"  # nothing written


def test_ids_with_dots_are_checked_like_any_other(tmp_path: Path, store: StateStore) -> None:
    live = live_state(user_groups=[{"id": "team.eng", "name": "Team", "members": ["lead"]}])
    config = declaring(live)
    config["user_groups"][0]["members"] = ["lead", "dev"]
    backend = tenant(tmp_path, live)
    plan = plan_for(config, backend)
    assert [c.address for c in plan.changes] == ["group_member.team.eng/dev"]
    backend.tenant.patch_group("team.eng", {"name": "Team Eng"})
    with pytest.raises(StalePlan) as caught:
        apply(plan, backend, store, tmp_path)
    assert "user_group.team.eng: changed since the plan" in str(caught.value)


def test_plans_of_ten_thousand_changes_and_more_are_ordered_by_number() -> None:
    live = live_state()
    config = declaring(live)
    config["departments"] += [{"id": f"d{n:05d}", "name": f"D{n}", "parent": "eng"} for n in range(10_001)]
    plan = build_plan(OrgConfig.model_validate(config), TenantState.model_validate(live))
    assert len(plan.changes) == 10_001 and plan.changes[-1].id == "c10001"
    assert [c.number for c in plan.changes] == list(range(1, 10_002))


def test_a_change_made_while_apply_waits_for_yes_is_caught(tmp_path: Path) -> None:
    """`apply -f` plans, shows the plan and asks; the tenant changes before the answer."""
    assert (
        subprocess.run(
            [sys.executable, "-m", "orgstate", "local", "init", "--from", str(EXAMPLES / "tenant.yaml")],
            cwd=tmp_path,
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    process, primary = start_on_terminal("apply", "-f", str(EXAMPLES / "org.yaml"), cwd=tmp_path)
    output = read_until(primary, b"Only 'yes' will be accepted")
    assert b"Plan:" in output
    backend = LocalBackend(tmp_path / ".orgstate" / "tenant.db")
    backend.tenant.patch_member("bob", {"name": "Robert"})
    backend.close()
    os.write(primary, b"yes\n")
    rest = read_until(primary, None)
    assert process.wait(timeout=60) == 1
    assert b"the plan is stale" in rest and b"member.bob: changed since the plan" in rest
    os.close(primary)
    assert load_fixture(EXAMPLES / "tenant.yaml").members  # the fixture itself is untouched
