"""Password resets, checked against lark-help-reset-member-passwords.txt and the Open API's
password errors (lark-open-api.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import Member
from orgstate.tenant import FixedClock, Tenant
from tests.tenant.conftest import BASE, member

MakeTenant = Callable[..., Tenant]
RESETS_PER_DAY = 5


def resets(tenant: Tenant) -> int:
    return int(tenant.scalar("SELECT count(*) FROM password_resets"))


def audited(tenant: Tenant) -> int:
    return int(tenant.scalar("SELECT count(*) FROM audit WHERE operation = 'member.reset_password'"))


def all_rows(tenant: Tenant) -> Iterator[tuple[str, Any]]:
    """Every value of every row of every table, with its table's name."""
    tables = [row["name"] for row in tenant.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert "audit" in tables and "password_resets" in tables
    for table in tables:
        for row in tenant.query(f"SELECT * FROM {table}"):
            for value in tuple(row):
                yield table, value


def invite(tenant: Tenant, member_id: str) -> None:
    """Add a member who logs in with a business email; they are invited until they accept."""
    tenant.create_member(
        Member(
            id=member_id,
            name=member_id.title(),
            department="web",
            work_email=f"{member_id}@acme.example",
            business_email=f"{member_id}@acme.larksuite.com",
            login="business_email",
        )
    )


# -- who can have their password reset ---------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"login": "work_email"}, id="work-email-login"),
        pytest.param({"login": "phone", "phone": "+15550100099"}, id="phone-login"),
        pytest.param({}, id="default-login-is-work-email"),
        pytest.param({"business_email": "x@acme.larksuite.com", "login": "work_email"}, id="has-business-email"),
    ],
)
def test_only_members_who_log_in_with_their_business_email(make_tenant: MakeTenant, fields: dict[str, Any]) -> None:
    """The login method has to be the business email.

    "Note: If you can't see the Reset Login Password option, it indicates that the member's login
    method is not their business email and you can't reset their password."
    Open API: "only when the login email is the business email. Errors: 1050022 bad password
    format, 1050023 daily reset limit reached, 1050024 email mismatch."
    """
    tenant = make_tenant(members=[*BASE["members"], member("x", **fields)])

    with pytest.raises(TenantError) as caught:
        tenant.reset_password("x")

    assert caught.value.code == LarkCode.PASSWORD_EMAIL_MISMATCH
    assert resets(tenant) == 0
    assert audited(tenant) == 0


@pytest.mark.parametrize(
    ("status", "allowed"),
    [("invited", False), ("inactive", True), ("active", True), ("suspended", False)],
)
def test_only_active_or_inactive_members(tenant: Tenant, status: str, allowed: bool) -> None:
    """Invited and suspended members are refused.

    "Note: You can only reset login passwords for members whose account status is either Active or
    Inactive."
    """
    invite(tenant, "new")  # invited
    if status in ("inactive", "active"):
        tenant.accept_invitation("new")
    if status == "active":
        tenant.record_login("new")
    if status == "suspended":
        tenant.accept_invitation("new")
        tenant.record_login("new")
        tenant.suspend_member("new")
    assert tenant.member("new").status == status

    if allowed:
        assert tenant.reset_password("new")
        assert resets(tenant) == 1
        return
    with pytest.raises(TenantError) as caught:
        tenant.reset_password("new")
    assert caught.value.kind == ErrorKind.RULE
    assert resets(tenant) == 0
    assert audited(tenant) == 0
    assert tenant.member("new").status == status


def test_a_suspended_member_from_the_fixture_is_refused(tenant: Tenant) -> None:
    """Suspending dev (who logs in with a business email) makes the reset unavailable.

    "Note: You can only reset login passwords for members whose account status is either Active or
    Inactive."
    """
    tenant.reset_password("dev")
    tenant.suspend_member("dev")

    with pytest.raises(TenantError) as caught:
        tenant.reset_password("dev")

    assert caught.value.kind == ErrorKind.RULE
    assert resets(tenant) == 1
    tenant.resume_member("dev")
    assert tenant.reset_password("dev")


@pytest.mark.parametrize(("actor", "allowed"), [("boss", True), ("hr", True), ("ops", True), ("lead", False)])
def test_who_can_reset(make_tenant: MakeTenant, actor: str, allowed: bool) -> None:
    """Admins with Member and Department may reset; a plain member may not.

    "Who can perform these steps: Primary administrators or administrators with "Member and
    Department" permission."
    """
    tenant = make_tenant(actor=actor)
    if allowed:
        assert tenant.reset_password("dev")
        return
    with pytest.raises(TenantError) as caught:
        tenant.reset_password("dev")
    assert caught.value.kind == ErrorKind.PERMISSION
    assert resets(tenant) == 0


# -- the daily limit ---------------------------------------------------------------------------


def test_at_most_five_resets_per_admin_per_24_hours(tenant: Tenant, clock: FixedClock) -> None:
    """The 6th reset within 24 hours is refused, and allowed again once 24 hours have passed.

    "The same administrator can repeat the password reset process up to 5 times within a 24 hour
    period."
    Open API: "Errors: 1050022 bad password format, 1050023 daily reset limit reached, 1050024
    email mismatch."
    """
    for _ in range(RESETS_PER_DAY):
        tenant.reset_password("dev")
        clock.advance(minutes=10)

    with pytest.raises(TenantError) as caught:
        tenant.reset_password("dev")
    assert caught.value.code == LarkCode.PASSWORD_DAILY_LIMIT
    assert resets(tenant) == RESETS_PER_DAY
    assert audited(tenant) == RESETS_PER_DAY

    clock.advance(hours=24, minutes=-50, seconds=-1)  # 1 second before the first reset leaves the window
    with pytest.raises(TenantError) as caught:
        tenant.reset_password("dev")
    assert caught.value.code == LarkCode.PASSWORD_DAILY_LIMIT

    clock.advance(seconds=2)  # the first reset is now more than 24 hours old
    assert tenant.reset_password("dev")
    with pytest.raises(TenantError) as caught:
        tenant.reset_password("dev")  # the second is still inside the window
    assert caught.value.code == LarkCode.PASSWORD_DAILY_LIMIT

    clock.advance(hours=24, seconds=1)
    for _ in range(RESETS_PER_DAY):
        tenant.reset_password("dev")
    assert resets(tenant) == 2 * RESETS_PER_DAY + 1


def test_refused_resets_do_not_count(tenant: Tenant) -> None:
    """Only a reset that happened uses up the limit.

    "The same administrator can repeat the password reset process up to 5 times within a 24 hour
    period."
    """
    for _ in range(RESETS_PER_DAY):
        with pytest.raises(TenantError):
            tenant.reset_password("dev", password="short")
        with pytest.raises(TenantError):
            tenant.reset_password("lead")

    for _ in range(RESETS_PER_DAY):
        tenant.reset_password("dev")
    assert resets(tenant) == RESETS_PER_DAY


def test_the_limit_is_counted_per_admin(tenant: Tenant, clock: FixedClock) -> None:
    """Another admin is not held back by the first admin's resets.

    "The same administrator can repeat the password reset process up to 5 times within a 24 hour
    period."
    """
    for _ in range(RESETS_PER_DAY):
        tenant.reset_password("dev")
    with pytest.raises(TenantError) as caught:
        tenant.reset_password("dev")
    assert caught.value.code == LarkCode.PASSWORD_DAILY_LIMIT

    hr = Tenant(tenant.path, clock=clock, actor="hr")
    try:
        for _ in range(RESETS_PER_DAY):
            assert hr.reset_password("dev")
        with pytest.raises(TenantError) as caught:
            hr.reset_password("dev")
        assert caught.value.code == LarkCode.PASSWORD_DAILY_LIMIT
    finally:
        hr.close()

    admins = tenant.query("SELECT admin, count(*) AS n FROM password_resets GROUP BY admin ORDER BY admin")
    assert [tuple(row) for row in admins] == [("boss", RESETS_PER_DAY), ("hr", RESETS_PER_DAY)]


# -- the password itself ------------------------------------------------------------------------


def test_generated_passwords_are_8_letters_and_digits(tenant: Tenant) -> None:
    """Generated passwords mix letters and digits, 8 characters, and differ each time.

    "Generate password by system: An 8-digit password consisting of a mix of letters and numbers
    will be generated by Lark."
    "It is not possible to send the same password again, but the administrator can repeat the
    password reset process again."
    """
    passwords = [tenant.reset_password("dev") for _ in range(RESETS_PER_DAY)]

    for password in passwords:
        assert re.fullmatch(r"[A-Za-z0-9]{8}", password), password
        assert re.search(r"[A-Za-z]", password), password
        assert re.search(r"[0-9]", password), password
    assert len(set(passwords)) == RESETS_PER_DAY


def test_a_given_password_is_used_as_is(tenant: Tenant) -> None:
    """An admin may set the password instead of having one generated.

    "Choose how you get the new password."
    """
    assert tenant.reset_password("dev", password="Welcome2026") == "Welcome2026"


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("", id="empty"),
        pytest.param("abc123", id="too-short"),
        pytest.param("abcdefgh", id="letters-only"),
        pytest.param("12345678", id="digits-only"),
        pytest.param("abcd 1234", id="space"),
        pytest.param("abcd1234!", id="symbol"),
        pytest.param("pässwort12", id="non-ascii-letter"),
        pytest.param("a1" * 17, id="too-long"),
    ],
)
def test_a_given_password_with_a_bad_format_is_refused(tenant: Tenant, password: str) -> None:
    """A password that is not letters and digits (both) is refused.

    Open API: "Errors: 1050022 bad password format, 1050023 daily reset limit reached, 1050024
    email mismatch."
    """
    with pytest.raises(TenantError) as caught:
        tenant.reset_password("dev", password=password)

    assert caught.value.code == LarkCode.PASSWORD_FORMAT
    assert resets(tenant) == 0
    assert audited(tenant) == 0


def test_the_password_is_never_stored(tenant: Tenant) -> None:
    """The password is handed to the admin and appears in no table, the audit log included.

    "Click Copy and directly inform the member offline."
    "To prevent administrators from using passwords they generate in the Lark Admin Console to log
    in to member accounts, members must verify their identity"
    """
    given = tenant.reset_password("dev", password="Secret2026x")
    generated = [tenant.reset_password("dev") for _ in range(RESETS_PER_DAY - 1)]

    assert audited(tenant) == RESETS_PER_DAY
    for password in (given, *generated):
        found = [(table, value) for table, value in all_rows(tenant) if password in str(value)]
        assert found == [], password
