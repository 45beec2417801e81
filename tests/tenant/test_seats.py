"""Seats, as lark-help-assign-seats.txt describes them, enforced by the engine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import Member, Subscription
from orgstate.tenant import AUTO, Tenant
from tests.tenant.conftest import BASE, member


def seat_source(tenant: Tenant, member_id: str) -> tuple[str, str, str | None] | None:
    row = tenant.one("SELECT plan, source, via FROM seats WHERE uid = ?", (tenant.uid_of(member_id),))
    return None if row is None else (row["plan"], row["source"], row["via"])


def with_group(tenant: Tenant, group_id: str, members: list[str], plan: str | None) -> list[str]:
    tenant.create_group(group_id, group_id.title())
    tenant.add_group_members(group_id, members)
    return tenant.set_group_seat(group_id, plan) if plan else []


def unseated(make_tenant: Callable[..., Tenant], seats: int = 10, **extra: object) -> Tenant:
    """A tenant whose plan has `seats` seats and whose members hold none."""
    members = [{k: v for k, v in m.items() if k != "seat"} for m in BASE["members"]]
    plans = [{**BASE["org"]["plans"][0], "seats": seats}]
    return make_tenant(members=members, org={"plans": plans}, **extra)


def test_a_member_in_several_groups_holds_one_seat(make_tenant: Callable[..., Tenant]) -> None:
    """ "If a member belongs to multiple user groups, only one seat is occupied." """
    tenant = unseated(make_tenant)
    with_group(tenant, "a", ["dev", "lead"], "pro")
    with_group(tenant, "b", ["dev"], "pro")
    assert tenant.seats_used("pro") == 2
    assert seat_source(tenant, "dev") == ("pro", "group", "a")


def test_new_group_members_get_seats_and_removed_ones_lose_them(make_tenant: Callable[..., Tenant]) -> None:
    """ "New members added to the user group will automatically receive seats, while removed
    members will lose their seats." """
    tenant = unseated(make_tenant)
    with_group(tenant, "a", ["lead"], "pro")
    tenant.add_group_members("a", ["dev"])
    assert seat_source(tenant, "dev") == ("pro", "group", "a")
    tenant.remove_group_members("a", ["dev"])
    assert seat_source(tenant, "dev") is None


def test_a_removed_member_keeps_a_seat_held_through_another_source(make_tenant: Callable[..., Tenant]) -> None:
    """ "removed members will lose their seats" applies to the seat the group gave: an explicit
    seat, or one another group of the plan also gives, stays."""
    tenant = unseated(make_tenant)
    tenant.assign_seats("pro", ["lead"])
    with_group(tenant, "a", ["lead", "dev"], "pro")
    with_group(tenant, "b", ["dev"], "pro")
    tenant.remove_group_members("a", ["lead", "dev"])
    assert seat_source(tenant, "lead") == ("pro", "explicit", None)
    assert seat_source(tenant, "dev") == ("pro", "group", "b")


def test_removing_a_group_assignment_releases_what_it_gave(make_tenant: Callable[..., Tenant]) -> None:
    """ "Select the user group that you want to remove, and click Remove. Then all members of the
    user group will lose their assigned seats." A seat held through another source stays."""
    tenant = unseated(make_tenant)
    tenant.assign_seats("pro", ["lead"])
    with_group(tenant, "a", ["lead", "dev", "hr"], "pro")
    assert tenant.seats_used("pro") == 3
    tenant.set_group_seat("a", None)
    assert seat_source(tenant, "dev") is None and seat_source(tenant, "hr") is None
    assert seat_source(tenant, "lead") == ("pro", "explicit", None)


def test_group_seats_stop_when_seats_run_out(make_tenant: Callable[..., Tenant]) -> None:
    """ "If all available seats are assigned, new members added to user groups will not
    automatically receive seats." ... "click View Members Without a Seat" """
    tenant = unseated(make_tenant, seats=2)
    without = with_group(tenant, "a", ["boss", "ops", "hr"], "pro")
    assert without == ["hr"]
    tenant.add_group_members("a", ["dev"])
    assert seat_source(tenant, "dev") is None
    assert tenant.set_group_seat("a", "pro") == ["hr", "dev"]


def test_assigning_beyond_the_seats_is_refused(make_tenant: Callable[..., Tenant]) -> None:
    """ "If the number of assigned seats is equal to the purchased seats ..., administrators will
    get a message that "Unable to add members due to insufficient seats."" """
    tenant = unseated(make_tenant, seats=1)
    tenant.assign_seats("pro", ["boss"])
    with pytest.raises(TenantError) as caught:
        tenant.assign_seats("pro", ["dev"])
    assert caught.value.code == LarkCode.INSUFFICIENT_SEATS
    assert "insufficient seats" in str(caught.value)
    assert seat_source(tenant, "dev") is None


def test_seats_of_a_plan_not_yet_effective_can_be_assigned(make_tenant: Callable[..., Tenant]) -> None:
    """ "Note: Seats that are not yet effective can also be assigned." """
    tenant = unseated(make_tenant)
    tenant.add_plan(Subscription(id="next", edition="pro", seats=5, starts="2027-01-01", expires="2028-01-01"))
    tenant.assign_seats("next", ["dev"])
    assert seat_source(tenant, "dev") == ("next", "explicit", None)


def test_seats_of_an_expired_plan_cannot_be_assigned(make_tenant: Callable[..., Tenant]) -> None:
    """SEAT-EXPIRED: a seat of an expired plan (the Open API's 44048, invalid seat)."""
    tenant = unseated(make_tenant)
    tenant.add_plan(Subscription(id="old", edition="pro", seats=5, starts="2025-01-01", expires="2026-01-01"))
    with pytest.raises(TenantError) as caught:
        tenant.assign_seats("old", ["dev"])
    assert caught.value.code == LarkCode.INVALID_SEAT


def test_starter_plans_cannot_assign_seats(make_tenant: Callable[..., Tenant]) -> None:
    """ "The Lark Starter plan can have at most 50 seats, and doesn't support purchasing more and
    assigning seats." """
    tenant = unseated(make_tenant)
    tenant.add_plan(Subscription(id="free", edition="starter", seats=50, starts="2026-01-01", expires="2099-01-01"))
    with pytest.raises(TenantError) as caught:
        tenant.assign_seats("free", ["dev"])
    assert caught.value.code == LarkCode.INVALID_SEAT


def test_a_starter_organization_has_at_most_50_members(make_tenant: Callable[..., Tenant]) -> None:
    """ "The Lark Starter plan can have at most 50 seats" (an organization without a paid plan)."""
    people = [member(f"m{i:02d}") for i in range(50)]
    tenant = make_tenant(
        org={"plans": []},
        members=[{**people[0], "id": "boss"}, *people[1:]],
        tenant={**BASE["tenant"], "admins": {"boss": ["primary"]}},
        departments=[{"id": "web", "name": "Web"}],
    )
    with pytest.raises(TenantError) as caught:
        tenant.create_member(Member.model_validate(member("extra")))
    assert caught.value.code == LarkCode.PLAN_MEMBER_LIMIT
    assert tenant.member_count() == 50


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("boss", True), ("ops", True), ("hr", False), ("dev", False)],
)
def test_seat_operations_need_billing_and_member_rights(
    make_tenant: Callable[..., Tenant], actor: str, allowed: bool
) -> None:
    """ "Who can perform these steps: Primary administrators and administrators with both
    "Billing" and "Member and Department" permissions." """
    tenant = unseated(make_tenant, actor=actor)
    if allowed:
        tenant.assign_seats("pro", ["dev"])
        assert seat_source(tenant, "dev") == ("pro", "explicit", None)
        return
    with pytest.raises(TenantError) as caught:
        tenant.assign_seats("pro", ["dev"])
    assert caught.value.kind is ErrorKind.PERMISSION
    assert seat_source(tenant, "dev") is None


def test_the_creator_always_gets_a_seat(make_tenant: Callable[..., Tenant]) -> None:
    """ "In all cases, the organization creator is automatically assigned a seat." """
    members = [{k: v for k, v in m.items() if k != "seat"} for m in BASE["members"]]
    tenant = make_tenant(org={"plans": []}, members=members)
    tenant.add_plan(Subscription(id="tiny", edition="pro", seats=1, starts="2026-01-01", expires="2027-01-01"))
    assert seat_source(tenant, "boss") == ("tiny", "auto", None)
    assert tenant.seats_used("tiny") == 1


@pytest.mark.parametrize(
    ("seats", "seated"),
    [
        # "When the purchased or trialed number of seats exceeds the total number of members in the
        # organization (including active, inactive, and invited accounts), all members in the
        # organization will be automatically assigned seats once the order takes effect."
        (6, {"boss", "ops", "hr", "lead", "dev"}),
        # "When the number of active accounts is less than or equal to the purchased or trialed number
        # of seats, and the purchased or trialed number of seats is less than the total number of
        # members in the organization, only active members will be assigned seats"
        (4, {"boss", "ops", "hr", "lead"}),
        # "If the purchased or trialed number of seats is smaller than the number of active accounts,
        # the seats will not automatically be assigned" (but for the creator).
        (3, {"boss"}),
    ],
)
def test_seats_assigned_when_an_order_takes_effect(
    make_tenant: Callable[..., Tenant], seats: int, seated: set[str]
) -> None:
    """Scenario 1 of the seats page, when the tenant's only plan takes effect."""
    members = [{k: v for k, v in m.items() if k != "seat"} for m in BASE["members"]]
    members[4]["status"] = "invited"  # dev: 4 active members, 5 in all
    tenant = make_tenant(org={"plans": []}, members=members)
    tenant.add_plan(Subscription(id="p", edition="pro", seats=seats, starts="2026-01-01", expires="2027-01-01"))
    assert {m for m in ("boss", "ops", "hr", "lead", "dev") if tenant.seat_of(m)} == seated


def test_new_members_get_a_seat_while_seats_remain(make_tenant: Callable[..., Tenant]) -> None:
    """ "When the number of purchased seats exceeds the number of assigned seats ..., the member who
    is newly added to the organization will be automatically assigned the seat." """
    tenant = unseated(make_tenant, seats=1)
    tenant.create_member(Member.model_validate(member("first")))
    tenant.create_member(Member.model_validate(member("second")))
    assert seat_source(tenant, "first") == ("pro", "auto", None)
    assert seat_source(tenant, "second") is None


def test_with_several_plans_new_members_go_to_the_plan_that_expires_last(
    make_tenant: Callable[..., Tenant],
) -> None:
    """ "They will be assigned to products with the subscription status of In use and remaining
    seats" ... "Products with a later expiration date will be prioritized when assigning seats." """
    tenant = unseated(make_tenant, seats=1)
    tenant.assign_seats("pro", ["boss"])  # pro is full
    tenant.add_plan(Subscription(id="basic", edition="basic", seats=5, starts="2026-01-01", expires="2027-06-01"))
    tenant.add_plan(Subscription(id="ent", edition="enterprise", seats=1, starts="2026-01-01", expires="2028-01-01"))
    tenant.add_plan(Subscription(id="later", edition="pro", seats=5, starts="2027-02-01", expires="2029-01-01"))
    for name in ("a", "b", "c"):
        tenant.create_member(Member.model_validate(member(name)))
    # "later" is not in use yet; "ent" expires last among those in use, then "basic".
    assert [tenant.seat_of(name) for name in ("a", "b", "c")] == ["ent", "basic", "basic"]


def test_an_explicit_seat_or_none_overrides_automatic_assignment(tenant: Tenant) -> None:
    """ "If your organization is on multiple plans, you can either manually assign the seat now or
    assign the seats to a user group later" (here: explicitly, or no seat at all)."""
    tenant.add_plan(Subscription(id="basic", edition="basic", seats=5, starts="2026-01-01", expires="2028-01-01"))
    tenant.create_member(Member.model_validate(member("picked")), seat="pro")
    tenant.create_member(Member.model_validate(member("none")), seat=None)
    tenant.create_member(Member.model_validate(member("auto")), seat=AUTO)
    assert (tenant.seat_of("picked"), tenant.seat_of("none"), tenant.seat_of("auto")) == ("pro", None, "basic")


def expired_tenant(make_tenant: Callable[..., Tenant], members: int) -> Tenant:
    people = [member(f"m{i:02d}", department="ops") for i in range(members - 1)]
    plans = [{**BASE["org"]["plans"][0], "expires": "2026-06-01"}]
    founder = {"id": "boss", "name": "Boss", "department": "ops", "work_email": "boss@acme.example"}
    return make_tenant(
        org={"plans": plans},
        members=[founder, *people],
        departments=[{"id": "ops", "name": "Ops"}],
        tenant={**BASE["tenant"], "admins": {"boss": ["primary"]}},
    )


def test_after_every_plan_expires_large_organizations_cannot_edit_members(
    make_tenant: Callable[..., Tenant],
) -> None:
    """ "After the paid plan that the organization has purchased and the plan that the organization is
    trialing have both expired, the organization will be downgraded to the Starter plan." ... "For
    organizations with more than 20 members, the members will still be able to log in to Lark, but
    administrators will not be able to edit members' basic information" """
    tenant = expired_tenant(make_tenant, members=21)
    assert tenant.edition() == "starter"
    with pytest.raises(TenantError) as caught:
        tenant.patch_member("m01", {"name": "Renamed"})
    assert caught.value.kind is ErrorKind.RULE
    assert "DOWNGRADE-EDIT-LOCK" in str(caught.value)
    assert tenant.member("m01").member.name == "M01"


def test_after_expiry_small_organizations_can_still_edit(make_tenant: Callable[..., Tenant]) -> None:
    """ "The maximum number of members under the Starter plan is 20." At 20, edits go on."""
    tenant = expired_tenant(make_tenant, members=20)
    tenant.patch_member("m01", {"name": "Renamed"})
    assert tenant.member("m01").member.name == "Renamed"
