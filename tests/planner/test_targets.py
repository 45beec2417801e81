"""Targeted plans (`--target`): only the targets' changes and what they depend on, the
seats checked for those changes against the live tenant, and a saved targeted plan
that reads back while a forged one does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orgstate.errors import UsageError
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.context import PlanOptions
from orgstate.planner.plan import Plan
from orgstate.render.plan_json import FORMAT_VERSION, read_plan, render_plan_json, seal
from tests.planner.conftest import declaring, kinds, live_state, member, plan_of, rules


def targeted(config: dict[str, Any], live: dict[str, Any], *targets: str) -> Plan:
    return build_plan(
        OrgConfig.model_validate(config),
        TenantState.model_validate(live),
        PlanOptions(created_at="2026-11-21T22:00:00Z", plan_id="plan-test"),
        targets=targets,
    )


def changed_org() -> tuple[dict[str, Any], dict[str, Any]]:
    """Four unrelated stories: a new member in a new department under a new manager, a
    new group with a new member, a retitle, and a member dropped."""
    live = live_state()
    config = declaring(live)
    config["departments"].append({"id": "qa", "name": "QA", "parent": "eng"})
    config["members"] += [
        member("mia", department="qa"),
        member("amy", department="qa", job={"manager": "mia"}),
        member("zed"),
    ]
    config["user_groups"] = [{"id": "admins", "name": "Admins", "members": ["zed", "boss"]}]
    config["members"][3]["job"] = {"manager": "boss", "title": "Staff Engineer"}
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    return config, live


def addresses(plan: Plan) -> set[str]:
    return {address for _, _, address in kinds(plan)}


def test_a_targeted_member_brings_its_department_and_manager_and_nothing_else() -> None:
    plan = targeted(*changed_org(), "member.amy")
    assert addresses(plan) == {"department.qa", "member.mia", "member.amy", "seat.amy"}
    assert plan.targets == ("member.amy",)
    amy = next(c for c in plan.changes if c.address == "member.amy")
    needed = {c.id: c.address for c in plan.changes if c.id in amy.depends_on}
    assert set(needed.values()) == {"department.qa", "member.mia"}
    assert plan.applyable


def test_a_targeted_group_brings_its_members_and_their_arrival() -> None:
    plan = targeted(*changed_org(), "user_group.admins")
    assert addresses(plan) == {
        "user_group.admins",
        "group_member.admins/zed",
        "group_member.admins/boss",
        "member.zed",
    }


def test_targets_combine_and_an_untargeted_plan_is_the_full_one() -> None:
    config, live = changed_org()
    both = targeted(config, live, "member.lead", "department.qa")
    assert addresses(both) == {"member.lead", "department.qa"}
    assert both.targets == ("department.qa", "member.lead")
    full = targeted(config, live)
    assert full.targets == () and full == plan_of(config, live)
    assert "member.dev" in addresses(full)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("member.amyy", "--target 'member.amyy': no such member is declared or live (did you mean 'member.amy'?)"),
        ("department.q", "--target 'department.q': no such department is declared or live"),
        ("seat.amy", "--target 'seat.amy' is not an address of the form member, department, user_group.<id>"),
        ("amy", "--target 'amy' is not an address of the form member, department, user_group.<id>"),
    ],
)
def test_an_unknown_target_is_a_clear_error(target: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        targeted(*changed_org(), target)
    assert str(raised.value).startswith(message)


def test_a_dropped_member_can_be_targeted_by_its_live_address() -> None:
    plan = targeted(*changed_org(), "member.dev")
    assert {(t, a) for t, a, address in kinds(plan) if address.endswith("dev")} >= {("member", "delete")}


def full_seats() -> tuple[dict[str, Any], dict[str, Any]]:
    """Every seat is held; dropping dev frees the one amy is to take."""
    live = live_state()
    live["org"]["plans"][0]["seats"] = 5
    config = declaring(live)
    config["org"]["plans"][0]["seats"] = 5
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    config["members"].append(member("amy", seat="pro"))
    return config, live


def test_capacity_is_checked_for_the_targeted_changes_against_the_live_tenant() -> None:
    config, live = full_seats()
    assert plan_of(config, live).applyable  # the whole plan frees dev's seat first
    plan = targeted(config, live, "member.amy")
    assert ("SEAT-CAPACITY", "error") in rules(plan) and not plan.applyable
    assert "member.dev" not in addresses(plan)
    assert [(s.plan, s.assigned_before, s.assigned_after) for s in plan.seats] == [("pro", 5, 6)]
    both = targeted(config, live, "member.amy", "member.dev")
    assert both.applyable, rules(both)
    assert [(s.plan, s.assigned_before, s.assigned_after) for s in both.seats] == [("pro", 5, 5)]


def test_a_targeted_plan_is_format_1_4_as_every_plan_and_reads_back(tmp_path: Path) -> None:
    plan = targeted(*changed_org(), "member.amy")
    path = tmp_path / "plan.json"
    path.write_text(render_plan_json(plan))
    document = json.loads(path.read_text())
    assert document["format_version"] == FORMAT_VERSION == "1.4"
    assert document["targets"] == ["member.amy"]
    assert read_plan(path) == plan
    untargeted = json.loads(render_plan_json(plan_of(*changed_org())))
    assert untargeted["format_version"] == FORMAT_VERSION and "targets" not in untargeted


def rewrite(path: Path, plan: Plan, edit: Any) -> None:
    document = json.loads(render_plan_json(plan))
    edit(document)
    path.write_text(json.dumps(seal(document)))


def add_unrelated_change(document: dict[str, Any]) -> None:
    full = json.loads(render_plan_json(plan_of(*changed_org())))
    dev = next(c for c in full["changes"] if c["address"] == "member.dev" and c["action"] == "delete")
    dev = {**dev, "id": f"c{len(document['changes']) + 1:04d}", "depends_on": []}
    document["changes"].append(dev)
    document["summary"]["member.delete"] = 1
    document["summary"] = dict(sorted(document["summary"].items()))
    document["fingerprints"]["member.dev"] = full["fingerprints"]["member.dev"]


@pytest.mark.parametrize(
    ("edit", "refusal"),
    [
        (add_unrelated_change, "neither concern a target nor are what a targeted change depends on"),
        (lambda d: d.update(targets=["seat.amy"]), "targets: 'seat.amy' is not a member, department, user_group"),
        (lambda d: d.update(targets=["member.amy", "member.amy"]), "targets: an address appears twice"),
        (lambda d: d.update(format_version="1.2"), "targets: a targeted plan is of format 1.3 or later"),
    ],
)
def test_a_forged_targeted_plan_is_refused(tmp_path: Path, edit: Any, refusal: str) -> None:
    path = tmp_path / "plan.json"
    rewrite(path, targeted(*changed_org(), "member.amy"), edit)
    with pytest.raises(UsageError) as raised:
        read_plan(path)
    assert refusal in str(raised.value)


def test_a_full_plan_with_targets_added_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    rewrite(path, plan_of(*changed_org()), lambda d: d.update(targets=["member.amy"]))
    with pytest.raises(UsageError, match="neither concern a target"):
        read_plan(path)
