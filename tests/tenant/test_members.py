"""Members: invite, patch, suspend and resume, with the console's checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import Member
from orgstate.tenant import Tenant
from tests.tenant.conftest import member


def new(member_id: str, **fields: Any) -> Member:
    return Member.model_validate(member(member_id, **fields))


def test_added_members_are_invited_then_inactive_then_active(tenant: Tenant) -> None:
    """ "Invited: The administrator has sent a member a link through SMS or email, but the member has
    not opened the link and activated their account." "Inactive: The member has agreed to join the
    organization but has not yet logged into the account." """
    tenant.create_member(new("amy"))
    assert tenant.member("amy").status == "invited"
    assert tenant.accept_invitation("amy")
    assert tenant.member("amy").status == "inactive"
    assert tenant.record_login("amy")
    assert tenant.member("amy").status == "active"
    assert not tenant.record_login("amy")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"id": "dev"}, LarkCode.USER_ID_EXISTS),
        ({"phone": "+15550100001"}, LarkCode.MOBILE_EXISTS),
        ({"work_email": "DEV@acme.example"}, LarkCode.EMAIL_EXISTS),
        ({"business_email": "dev@acme.larksuite.com"}, LarkCode.EMAIL_EXISTS),
    ],
)
def test_unique_fields_clash_with_the_open_api_codes(tenant: Tenant, fields: dict[str, Any], code: int) -> None:
    """Open API: "41001 mobile exists, 41002 email exists, 41011 user_id exists" """
    before = tenant.member_count()
    with pytest.raises(TenantError) as caught:
        tenant.create_member(new("amy", **fields))
    assert caught.value.code == code
    assert tenant.member_count() == before


def test_employee_ids_are_unique(tenant: Tenant) -> None:
    """Open API: "44051 duplicate employee_no" """
    tenant.create_member(new("amy", employee_id="E1"))
    with pytest.raises(TenantError) as caught:
        tenant.patch_member("dev", {"employee_id": "E1"})
    assert caught.value.code == LarkCode.EMPLOYEE_ID_EXISTS
    assert tenant.member("dev").member.employee_id is None


def test_a_member_needs_a_phone_or_a_work_email(tenant: Tenant) -> None:
    """ "Note: One must have either a phone number or work email entered." """
    with pytest.raises(TenantError) as caught:
        tenant.patch_member("dev", {"work_email": None})
    assert caught.value.kind is ErrorKind.INVALID
    assert tenant.member("dev").member.work_email == "dev@acme.example"


def test_the_chosen_login_needs_its_field(tenant: Tenant) -> None:
    """ "When you select an email type, the corresponding field will become mandatory, and you must
    enter the email into that field." """
    with pytest.raises(TenantError) as caught:
        tenant.create_member(new("amy", login="business_email"))
    assert caught.value.kind is ErrorKind.INVALID


def test_patch_changes_only_the_given_fields(tenant: Tenant) -> None:
    """Open API: "PATCH /users/:user_id (only sent fields change ...)"; job and custom merge."""
    tenant.patch_member("lead", {"job": {"title": "Staff Engineer"}, "custom": {"level": "L2"}})
    lead = tenant.member("lead")
    own = lead.member
    assert (own.job.title, own.job.manager, own.custom) == ("Staff Engineer", "boss", {"level": "L2"})
    tenant.patch_member("lead", {"custom": {"level": None}})
    assert tenant.member("lead").member.custom == {}


@pytest.mark.parametrize(
    "changes",
    [
        {"department": "nowhere"},
        {"departments": ["eng", "nowhere"]},
        {"job": {"manager": "ghost"}},
        {"job": {"manager": "lead"}},
        {"custom": {"level": "L9"}},
        {"custom": {"unknown": "x"}},
        {"gender": "robot"},
    ],
)
def test_invalid_patches_change_nothing(tenant: Tenant, changes: dict[str, Any]) -> None:
    """The console saves a member only when every field is valid (and a member is not their own manager)."""
    before = tenant.member("lead")
    with pytest.raises(TenantError):
        tenant.patch_member("lead", changes)
    assert tenant.member("lead") == before


def test_contact_changes_notify_the_member(tenant: Tenant) -> None:
    """ "You can notify members through a bot when their contact email and/or phone number for work
    changes." (This tenant chose phone only.)"""
    tenant.patch_member("lead", {"phone": "+15550100999", "work_email": "lead2@acme.example"})
    rows = tenant.query("SELECT member, field FROM notifications")
    assert [(r["member"], r["field"]) for r in rows] == [("lead", "phone")]


def test_the_founder_cannot_be_suspended(tenant: Tenant) -> None:
    """Open API: "44036 cannot freeze the tenant founder" """
    with pytest.raises(TenantError) as caught:
        tenant.suspend_member("boss")
    assert caught.value.code == LarkCode.CANNOT_FREEZE_FOUNDER
    assert tenant.member("boss").status == "active"


def test_admins_cannot_be_suspended(tenant: Tenant) -> None:
    """DELETE-ADMIN: "the founder and tenant admins cannot be deleted or suspended" """
    with pytest.raises(TenantError) as caught:
        tenant.suspend_member("ops")
    assert caught.value.code == LarkCode.CANNOT_DELETE_ADMIN


def test_suspend_and_resume_are_idempotent(tenant: Tenant) -> None:
    """ "we recommend suspending their account to prevent them from logging in" """
    assert tenant.suspend_member("dev")
    assert not tenant.suspend_member("dev")
    assert tenant.member("dev").status == "suspended"
    assert tenant.seat_of("dev") == "pro"  # a suspended member keeps the seat until deleted
    assert tenant.resume_member("dev")
    assert not tenant.resume_member("dev")
    assert tenant.member("dev").status == "active"


def test_members_need_the_member_and_department_permission(make_tenant: Callable[..., Tenant]) -> None:
    """ "Who can perform these steps: Primary administrators or administrators with "Member and
    Department" permission." """
    tenant = make_tenant(actor="dev")
    with pytest.raises(TenantError) as caught:
        tenant.create_member(new("amy"))
    assert caught.value.kind is ErrorKind.PERMISSION
    hr = make_tenant(actor="hr")
    hr.create_member(new("amy"), seat=None)
    assert hr.member("amy").status == "invited"


def test_a_client_token_makes_a_create_idempotent(tenant: Tenant) -> None:
    """Open API: "query `client_token` = idempotency key; same token with other params -> 40021" """
    tenant.create_member(new("amy"), client_token="t1")
    tenant.create_member(new("amy"), client_token="t1")
    assert tenant.query("SELECT count(*) AS n FROM members WHERE id = 'amy'")[0]["n"] == 1
    with pytest.raises(TenantError) as caught:
        tenant.create_member(new("amy", name="Someone Else"), client_token="t1")
    assert caught.value.code == LarkCode.IDEMPOTENCY_MISMATCH


def test_every_operation_is_audited(tenant: Tenant) -> None:
    """The tenant keeps an audit log of every operation (the console's Admin log)."""
    tenant.create_member(new("amy"))
    tenant.patch_member("amy", {"name": "Amy Pond"})
    tenant.suspend_member("amy")
    rows = tenant.query("SELECT actor, operation, target FROM audit WHERE target = 'member.amy' ORDER BY seq")
    assert [(r["actor"], r["operation"]) for r in rows] == [
        ("boss", "member.create"),
        ("boss", "member.patch"),
        ("boss", "member.suspend"),
    ]


def test_a_refused_operation_leaves_no_audit_entry(tenant: Tenant) -> None:
    """An operation happens whole, with its audit entry, or not at all."""
    before = tenant.scalar("SELECT count(*) FROM audit")
    with pytest.raises(TenantError):
        tenant.create_member(new("dev"))
    assert tenant.scalar("SELECT count(*) FROM audit") == before
