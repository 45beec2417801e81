"""Apply through the scim backend against scim2-server: the example organization (what
SCIM can hold of it) converges, every change re-reads its target so a second run
changes nothing, offboarding deactivates before it deletes, and a change made in the
provider after the plan is refused (the stale-plan check, and If-Match)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scim2_models import Email, EnterpriseUser, Group, GroupMember, ListResponse, PatchOp, PatchOperation, User

from orgstate.appliers.base import Outcome
from orgstate.appliers.scim import ScimBackend
from orgstate.appliers.scim.mapping import overlay
from orgstate.config.loader import load_config
from orgstate.errors import StalePlan
from orgstate.planner.build import build_plan
from orgstate.planner.context import PlanOptions
from tests.conftest import EXAMPLES, run_orgstate
from tests.scim.conftest import TOKEN, FaultProxy, ScimServer, seed

ORG = str(EXAMPLES / "org.yaml")


def orgstate(tmp_path: Path, *args: str) -> tuple[int, str]:
    done = run_orgstate(*args, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert TOKEN not in output
    assert "Traceback" not in output
    return done.returncode, output


def saved_plan(tmp_path: Path, backend: str, *expected: str, allow_removals: int | None = None) -> str:
    """Plan org.yaml into plan.json; what it printed, which shows each of `expected`."""
    removals = () if allow_removals is None else ("--allow-removals", str(allow_removals))
    code, output = orgstate(tmp_path, "plan", "--backend", backend, "-out", "plan.json", *removals)
    assert code == 0, output
    for change in expected:
        assert change in output, output
    return output


def plan_of(backend: ScimBackend, path: str = ORG) -> list:  # type: ignore[type-arg]
    config = load_config([Path(path)]).config
    options = PlanOptions(backend=backend.name, capabilities=backend.capabilities, unheld=backend.unheld)
    return list(build_plan(config, backend.read_snapshot(), options).changes)


def test_the_example_organization_converges(scim_server: ScimServer, tmp_path: Path) -> None:
    backend = f"scim:{scim_server.url}"
    code, output = orgstate(tmp_path, "plan", "-f", ORG, "--backend", backend, "-out", "plan.json")
    assert code == 0, output
    assert "member.alice create" in output and "department." not in output.split("Diagnostics:")[0]
    code, output = orgstate(tmp_path, "apply", "plan.json", "--backend", backend)
    assert code == 0, output
    code, output = orgstate(tmp_path, "plan", "-f", ORG, "--backend", backend, "--detailed-exitcode")
    assert code == 0, output
    assert "No changes" in output


def test_each_change_rereads_its_target_so_a_second_run_repeats_nothing(scim_server: ScimServer) -> None:
    backend = ScimBackend(scim_server.url)
    changes = plan_of(backend)
    assert len(changes) > 50
    first = [backend.apply(change) for change in changes]
    assert Outcome.UNCHANGED not in first
    assert [backend.verify(change) for change in changes] == [None] * len(changes)
    assert {backend.apply(change) for change in changes} == {Outcome.UNCHANGED}
    assert plan_of(backend) == []
    backend.close()


OFFBOARD = """\
version: 1
org: {name: Acme Robotics}
departments:
  - {id: eng, name: Engineering}
  - {id: sales, name: Sales}
members:
  - {id: alice, name: Alice Liu, department: eng, work_email: alice@acme.example, phone: "+14155550101",
     job: {title: CTO}}
  - {id: bob, name: Bob Stone, department: eng, work_email: bob@acme.example,
     job: {title: Staff Engineer, manager: alice}}
  - {id: carol, name: Carol King, department: sales, work_email: carol@acme.example,
     job: {title: Account Executive, manager: alice}}
user_groups:
  - {id: sales-team, name: Sales team, members: [carol]}
  - {id: leads, name: Leads, members: [alice, bob]}
"""


def test_offboarding_deactivates_then_deletes_and_updates_converge(
    scim_server: ScimServer, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    ids = seed(scim_server.client())
    (tmp_path / "org.yaml").write_text(OFFBOARD)
    backend = f"scim:{fault_proxy.url}"
    output = saved_plan(tmp_path, backend, "member.dave delete", "member.bob update", "group_member.leads/bob add")
    # A SCIM provider names no admins, and may well delete one: no Lark refusal is promised.
    assert "cannot check that 'dave'" in output and "Lark code" not in output, output
    code, output = orgstate(tmp_path, "apply", "plan.json", "--backend", backend)
    assert code == 0, output
    # dave was inactive already (seeded so): only the deletion
    writes = [line for line in fault_proxy.forwarded if ids["dave"] in line and not line.startswith("GET")]
    assert writes == [f"DELETE /v2/Users/{ids['dave']}"], writes
    code, output = orgstate(tmp_path, "plan", "--backend", backend, "--detailed-exitcode")
    assert code == 0, output


def test_an_active_leaver_is_deactivated_first(
    scim_server: ScimServer, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    ids = seed(scim_server.client())
    bob = re.search(r"  - \{id: bob,.*?\}\}\n", OFFBOARD, re.S)
    assert bob is not None
    (tmp_path / "org.yaml").write_text(OFFBOARD.replace(bob.group(), "").replace("[alice, bob]", "[alice]"))
    backend = f"scim:{fault_proxy.url}"
    saved_plan(tmp_path, backend, "member.bob suspend", "member.bob delete", allow_removals=2)
    code, output = orgstate(tmp_path, "apply", "plan.json", "--backend", backend)
    assert code == 0, output
    writes = [line for line in fault_proxy.forwarded if ids["bob"] in line and not line.startswith("GET")]
    assert writes == [f"PATCH /v2/Users/{ids['bob']}", f"DELETE /v2/Users/{ids['bob']}"], writes


# `title` is mapped; `nickName` is not, and only bob's new version (meta.version, which
# the plan's fingerprint of him includes) shows the change.
@pytest.mark.parametrize(("path", "value"), [("title", "Principal Engineer"), ("nickName", "Bobby")])
def test_a_change_made_in_the_provider_after_the_plan_is_refused(
    scim_server: ScimServer, tmp_path: Path, path: str, value: str
) -> None:
    client = scim_server.client()
    ids = seed(client)
    (tmp_path / "org.yaml").write_text(OFFBOARD)
    backend = f"scim:{scim_server.url}"
    saved_plan(tmp_path, backend, "member.bob update")
    operation = PatchOperation(op="replace", path=path, value=value)
    client.modify(User[EnterpriseUser], ids["bob"], PatchOp[User[EnterpriseUser]](operations=[operation]))
    code, output = orgstate(tmp_path, "apply", "plan.json", "--backend", backend)
    assert code == 1 and "stale" in output and "member.bob" in output, output


def test_a_write_names_the_version_it_read(scim_server: ScimServer) -> None:
    client = scim_server.client()
    ids = seed(client)
    backend = ScimBackend(scim_server.url)
    user = backend.find_user("bob")
    operation = PatchOperation(op="replace", path="title", value="Principal Engineer")
    client.modify(User[EnterpriseUser], ids["bob"], PatchOp[User[EnterpriseUser]](operations=[operation]))
    fields = {**backend.member_fields(user), "name": "Robert Stone"}
    with pytest.raises(StalePlan, match="HTTP 412"):
        updated = overlay(user, fields, {}, backend.discovery.rows)
        backend.api.call("updating member.bob", backend.api.scim.replace, updated)
    backend.close()


def test_a_user_and_a_group_without_an_external_id_are_found_by_name(scim_server: ScimServer, tmp_path: Path) -> None:
    """Read as `erin` (her userName) and `Support` (its displayName), they are found so by
    each change, and a write gives them the externalId they are known by."""
    client = scim_server.client()
    seed(client)
    erin = User[EnterpriseUser](
        user_name="erin", display_name="Erin Park", emails=[Email(value="erin@acme.example", type="work", primary=True)]
    )
    erin[EnterpriseUser] = EnterpriseUser(department="eng")
    erin_id = client.create(erin).id
    client.create(Group(display_name="Support", members=[GroupMember(value=erin_id, type="User")]))
    erin_line = "  - {id: erin, name: Erin Park, department: eng, work_email: erin@acme.example, job: {title: Lead}}\n"
    support = "  - {id: Support, name: Support desk, members: [carol, erin]}\n"
    config = OFFBOARD.replace("user_groups:\n", erin_line + "user_groups:\n") + support
    (tmp_path / "org.yaml").write_text(config)
    backend = f"scim:{scim_server.url}"
    output = saved_plan(
        tmp_path, backend, "member.erin update", "user_group.Support update", "group_member.Support/carol add"
    )
    assert "member.erin create" not in output and "user_group.Support create" not in output, output
    code, output = orgstate(tmp_path, "apply", "plan.json", "--backend", backend)
    assert code == 0, output
    code, output = orgstate(tmp_path, "plan", "--backend", backend, "--detailed-exitcode")
    assert code == 0, output
    users = client.query(User[EnterpriseUser], query_parameters={"filter": 'userName eq "erin"'})
    groups = client.query(Group, query_parameters={"filter": 'displayName eq "Support desk"'})
    assert isinstance(users, ListResponse) and isinstance(groups, ListResponse)
    assert [(u.external_id, u.title) for u in users.resources or []] == [("erin", "Lead")]
    assert [g.external_id for g in groups.resources or []] == ["Support"]
