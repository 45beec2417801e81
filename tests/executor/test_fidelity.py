"""The plan is a contract: apply does what the plan shows, nothing more or less, and
its report is true. Each test here is a way the two once parted, on the local backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orgstate.appliers.base import Outcome
from orgstate.appliers.local import LocalBackend
from orgstate.errors import UsageError
from orgstate.executor.apply import apply_plan, journal_key
from orgstate.executor.passwords import PasswordFile
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.changes import Change, MemberDelete, ResourcesTransfer, SeatRelease
from orgstate.planner.plan import Plan
from orgstate.statestore import StateStore
from orgstate.tenant.fixture import init_tenant
from tests.planner.conftest import declaring, live_state, member, plan_of, rules


def setup(tmp_path: Path, config: dict[str, Any], live: dict[str, Any]) -> tuple[LocalBackend, Plan]:
    init_tenant(tmp_path / "tenant.db", TenantState.model_validate(live))
    backend = LocalBackend(tmp_path / "tenant.db")
    return backend, build_plan(OrgConfig.model_validate(config), backend.read_snapshot())


def leaving_with_options(mail: str = "delete") -> tuple[dict[str, Any], dict[str, Any]]:
    """`dev` leaves: docs to boss, mail deleted or kept, nothing retained after 30 days."""
    live = live_state()
    live["members"][4]["resources"] = {"docs": 3, "mail": 3, "minutes": 2}
    config = declaring(live)
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    config["offboarding"] = [
        {
            "id": "dev",
            "transfer": {"mail": {"action": mail}, "docs": "boss"},
            "retain": {"docs": False, "mail": False, "minutes": False},
        }
    ]
    return config, live


@pytest.mark.parametrize(("mail", "outcome", "retained"), [("delete", "deleted", None), ("keep", "retained", False)])
def test_offboarding_options_are_carried_out_as_planned(
    tmp_path: Path, store: StateStore, mail: str, outcome: str, retained: bool | None
) -> None:
    backend, plan = setup(tmp_path, *leaving_with_options(mail))
    [transfer] = [c for c in plan.changes if isinstance(c, ResourcesTransfer)]
    assert (transfer.after["mail"].outcome, transfer.after["mail"].retain) == (outcome, retained)
    assert transfer.after["docs"].to == "boss"
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert result.ok, result.failed
    done, retention = backend.tenant.offboarding_record("dev")
    assert (done["mail"].outcome, done["docs"].outcome, done["docs"].recipient) == (outcome, "transferred", "boss")
    assert done["minutes"].outcome == "transferred" and done["minutes"].recipient == "lead"  # the manager, by default
    assert retention is not None and retention.mail is (retained if retained is not None else True)


class DefaultsOnly(LocalBackend):
    """A backend that deletes members the service's default way, whatever the plan asked."""

    def apply(self, change: Change) -> Outcome:
        if isinstance(change, MemberDelete):
            self.tenant.delete_member(change.key)
            return Outcome.DELETED
        return super().apply(change)


def test_an_offboarding_done_otherwise_than_planned_is_reported_failed(tmp_path: Path, store: StateStore) -> None:
    config, live = leaving_with_options("keep")
    init_tenant(tmp_path / "tenant.db", TenantState.model_validate(live))
    backend = DefaultsOnly(tmp_path / "tenant.db")
    plan = build_plan(OrgConfig.model_validate(config), backend.read_snapshot())
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    [delete] = [c for c in plan.changes if isinstance(c, MemberDelete)]
    assert list(result.failed) == [delete.id]
    error = result.failed[delete.id]
    assert "offboarding differs from the plan" in error
    assert "mail retained (done: copied lead)" in error and "retention" in error


def seated_group() -> tuple[dict[str, Any], dict[str, Any]]:
    """`lead` and `dev` hold pro seats through the user group `ship`, whose seat is pro."""
    live = live_state(user_groups=[{"id": "ship", "name": "Ship", "members": ["lead", "dev"], "seat": "pro"}])
    config = declaring(live)
    for declared in config["members"][3:]:
        del declared["seat"]
    return config, live


def leave_group(config: dict[str, Any]) -> None:
    config["user_groups"][0]["members"] = ["lead"]


def drop_group_seat(config: dict[str, Any]) -> None:
    config["user_groups"][0]["seat"] = None


def drop_explicit_seat(config: dict[str, Any]) -> None:
    config["user_groups"][0]["members"] = ["lead"]
    config["members"][2] = {k: v for k, v in config["members"][2].items() if k != "seat"}  # hr: nothing behind it


@pytest.mark.parametrize(
    ("edit", "released"),
    [(leave_group, ["dev"]), (drop_group_seat, ["dev", "lead"]), (drop_explicit_seat, ["dev", "hr"])],
    ids=["member leaves the group", "group loses its seat", "nothing behind a seat"],
)
def test_a_seat_nothing_covers_any_more_is_released_in_the_plan(
    tmp_path: Path, store: StateStore, edit: Any, released: list[str]
) -> None:
    """SPEC section 3: automatic seats go to new members only; apply releases the seat as
    the console does, so the plan shows the release and counts it."""
    config, live = seated_group()
    edit(config)
    backend, plan = setup(tmp_path, config, live)
    releases = [c.key for c in plan.changes if isinstance(c, SeatRelease)]
    assert sorted(releases) == sorted(released)
    [pro] = plan.seats
    assert (pro.assigned_before, pro.assigned_after) == (5, 5 - len(released))
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert result.ok, result.failed
    assert backend.tenant.seats_used("pro") == pro.assigned_after
    assert build_plan(OrgConfig.model_validate(config), backend.read_snapshot()).changes == ()


def test_an_ignored_seat_holder_counts_against_capacity_even_when_declared() -> None:
    """Capacity counts ignored members who hold seats (SPEC section 3), declared or not:
    without them the plan passes and apply fails with 41007."""
    live = live_state()
    live["org"]["plans"][0]["seats"] = 6
    live["members"].append(member("svc-bot", seat="pro"))
    config = declaring(live)
    config["policy"]["ignore"] = {"members": ["svc-*"]}
    config["members"].append(member("amy", seat="pro"))
    plan = plan_of(config, live)
    assert ("SEAT-CAPACITY", "error") in rules(plan)
    assert not plan.applyable


def test_ignored_members_do_not_weaken_the_removal_ratio() -> None:
    """Removing 1 of 5 managed members is 20%; 20 ignored service accounts must not make it 4%."""
    live = live_state()
    live["members"] += [member(f"svc-{n}", department="ops") for n in range(20)]
    config = declaring(live)
    config["members"] = [m for m in config["members"] if m["id"] != "dev" and not m["id"].startswith("svc-")]
    config["policy"]["ignore"] = {"members": ["svc-*"]}
    config["policy"]["removal"] = {"max_removals": 10, "max_removal_ratio": 0.1}
    plan = plan_of(config, live)
    [limit] = [d for d in plan.diagnostics if d.rule == "REMOVAL-LIMIT" and "members" in d.message]
    assert "removes 1 of 5 members (20%)" in limit.message


def test_values_the_tenants_own_fields_refuse_fail_the_plan_not_the_apply() -> None:
    """The configuration declares option L3 of `level`; the tenant has L1 and L2 only."""
    live = live_state()
    config = declaring(live)
    config["fields"] = [{"id": "level", "name": "Level", "type": "enum", "options": ["L1", "L2", "L3"]}]
    config["members"][4]["custom"] = {"level": "L3"}
    plan = plan_of(config, live)
    found = {(d.rule, d.severity, d.address) for d in plan.diagnostics if d.rule == "FIELD-VALUE"}
    assert found == {("FIELD-VALUE", "warning", None), ("FIELD-VALUE", "error", "member.dev")}
    assert not plan.applyable


def test_an_inactive_member_switched_to_business_email_login_gets_a_password(tmp_path: Path, store: StateStore) -> None:
    """Modify-member page: "If you select Lark Mail, you must also set the login password
    for the member manually or generate a random password"."""
    live = live_state()
    live["members"][3]["status"] = "inactive"
    config = declaring(live)
    config["members"][3] |= {"business_email": "lead@acme.larksuite.com", "login": "business_email"}
    backend, plan = setup(tmp_path, config, live)
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path / "secrets", "passwords"))
    assert result.ok and result.password_file is not None
    [line] = Path(result.password_file).read_text().splitlines()[1:]
    assert line.startswith("lead,")


def test_no_change_is_made_when_the_password_file_cannot_be_created(tmp_path: Path, store: StateStore) -> None:
    live = live_state()
    config = declaring(live)
    config["members"].append(member("amy", business_email="amy@acme.larksuite.com", login="business_email"))
    backend, plan = setup(tmp_path, config, live)
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError):
        apply_plan(plan, backend, store, PasswordFile(tmp_path / "file" / "below", "passwords"))
    assert backend.member_fields("amy") is None
    assert store.statuses(journal_key(plan, backend)) == {}


def test_an_unused_password_file_is_removed(tmp_path: Path, store: StateStore) -> None:
    live = live_state()
    config = declaring(live)
    config["members"][3]["name"] = "Leader"
    backend, plan = setup(tmp_path, config, live)
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path / "secrets", "passwords"))
    assert result.ok and result.password_file is None
    assert list((tmp_path / "secrets").iterdir()) == []


def full_plan_with_a_leaver() -> tuple[dict[str, Any], dict[str, Any]]:
    """pro has 5 seats, all held; `dev` leaves (deleted) and `amy` arrives with a pro seat."""
    live = live_state()
    live["org"]["plans"][0]["seats"] = 5
    config = declaring(live)
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    config["members"].append(member("amy", seat="pro"))
    return config, live


def freed_by_a_move() -> tuple[dict[str, Any], dict[str, Any]]:
    """pro is full; `lead` moves to a basic seat, which frees the pro seat `amy` needs."""
    live = live_state()
    live["org"]["plans"][0]["seats"] = 5
    live["org"]["plans"].append(
        {"id": "basic", "edition": "basic", "seats": 5, "starts": "2026-01-01", "expires": "2027-01-01"}
    )
    config = declaring(live)
    config["org"]["plans"] = live["org"]["plans"]
    config["members"][3]["seat"] = "basic"
    config["members"].append(member("amy", seat="pro"))
    return config, live


@pytest.mark.parametrize("scenario", [full_plan_with_a_leaver, freed_by_a_move], ids=["deletion", "move"])
def test_a_seat_is_taken_only_after_the_change_that_frees_it(tmp_path: Path, store: StateStore, scenario: Any) -> None:
    """The plan passed capacity "after its own releases and deletions"; apply must run them
    first, or it fails with 41007 halfway."""
    backend, plan = setup(tmp_path, *scenario())
    assert plan.applyable, plan.diagnostics
    by_address = {c.address: c for c in plan.changes}
    amy_seat, amy = by_address["seat.amy"], by_address["member.amy"]
    freeing = by_address.get("member.dev") or by_address["seat.lead"]
    assert freeing.number < amy.number < amy_seat.number
    assert freeing.id in amy.depends_on  # if the freeing change fails, amy waits instead of failing
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert result.ok, result.failed


def test_when_no_order_fits_the_plan_says_so(tmp_path: Path) -> None:
    """`dev` leaves and hands his docs to `amy`, who needs his seat: the transfer needs amy,
    amy's seat needs dev's deletion, the deletion needs the transfer."""
    config, live = full_plan_with_a_leaver()
    live["members"][4]["resources"] = {"docs": 2}
    config["offboarding"] = [{"id": "dev", "transfer": {"docs": "amy"}}]
    plan = plan_of(config, live)
    [walk] = [d for d in plan.diagnostics if d.rule == "SEAT-CAPACITY"]
    assert "no order of the plan's changes keeps plan 'pro' within its 5 seats" in walk.message
    assert not plan.applyable


def renamed_lead() -> tuple[dict[str, Any], dict[str, Any]]:
    """`lead` becomes `lead.ng`, with the same email, in a group, managing `dev`."""
    live = live_state(user_groups=[{"id": "ship", "name": "Ship", "members": ["lead", "dev"]}])
    config = declaring(live)
    config["members"][3] |= {"id": "lead.ng", "renamed_from": "lead", "name": "Lead Ng"}
    config["members"][4]["job"] = {"manager": "lead.ng"}
    config["departments"][1]["leader"] = "lead.ng"
    config["user_groups"][0]["members"] = ["lead.ng", "dev"]
    return config, live


def test_a_renamed_user_id_is_one_update_not_a_create_and_a_deletion(tmp_path: Path, store: StateStore) -> None:
    """Modify-member page: the User ID is an editable field; planned like Terraform's `moved`."""
    backend, plan = setup(tmp_path, *renamed_lead())
    [rename] = plan.changes
    assert (rename.address, rename.action, rename.reason) == ("member.lead", "update", "renamed from lead")
    assert rename.after_data() == {"id": "lead.ng", "name": "Lead Ng"}
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "p"))
    assert result.ok, result.failed
    renamed = backend.tenant.member("lead.ng")
    assert (renamed.member.name, renamed.seat, renamed.member.work_email) == ("Lead Ng", "pro", "lead@acme.example")
    assert backend.tenant.member("dev").member.job.manager == "lead.ng"
    assert backend.tenant.department("web").leader == "lead.ng"
    assert backend.tenant.group("ship").members == ("lead.ng", "dev")
    config, _ = renamed_lead()
    assert build_plan(OrgConfig.model_validate(config), backend.read_snapshot()).changes == ()


def test_a_create_and_a_deletion_sharing_an_email_are_warned_about_and_chained(tmp_path: Path) -> None:
    config, live = renamed_lead()
    del config["members"][3]["renamed_from"]
    plan = plan_of(config, live)
    [shared] = [d for d in plan.diagnostics if d.rule == "ID-UNIQUE"]
    assert shared.severity == "warning" and "declare renamed_from: lead" in shared.message
    by_address = {c.address: c for c in plan.changes}
    assert by_address["member.lead.ng"].id in by_address["member.lead"].depends_on
