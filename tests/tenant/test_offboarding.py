"""Offboarding, checked against lark-help-delete-members-and-reallocate-resources.txt and
the Open API's delete / resurrect errors (lark-open-api.md).

Every test calls the engine directly. Refused operations are followed by a check that
nothing changed, since every operation runs in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.lark.transfers import Disposition, Outcome
from orgstate.model.config import MailTransfer, Member, Retention, Transfers
from orgstate.tenant import FixedClock, Tenant
from tests.tenant.conftest import BASE, TODAY, member

MakeTenant = Callable[..., Tenant]

# A tenant where every default recipient is a different member, so that a wrong rule shows:
# the leavers sit in "eng" with "peer" (the first other member of the department); "boss" is
# the first member of the organization; "ops" is the organization (primary) administrator;
# "withmgr" reports to "lead", "nomgr" reports to nobody.
OFFBOARDING_TENANT: dict[str, Any] = {
    "tenant": {
        **BASE["tenant"],
        "admins": {"ops": ["primary"], "hr": ["member_and_department"]},
    },
    "members": [
        *BASE["members"],
        member("peer", department="eng"),
        member("withmgr", department="eng", job={"manager": "lead"}),
        member("nomgr", department="eng"),
    ],
}
COUNT = 3


@pytest.fixture
def org(make_tenant: MakeTenant) -> Tenant:
    return make_tenant(**OFFBOARDING_TENANT)


def counts(tenant: Tenant, member_id: str) -> dict[str, int]:
    """A member's resource counts, whether they are deleted or not."""
    uid = tenant.scalar("SELECT uid FROM members WHERE id = ? ORDER BY uid DESC LIMIT 1", (member_id,))
    return tenant.live_member(int(uid)).resources.counts()


def status_of(tenant: Tenant, member_id: str) -> tuple[str, str | None]:
    row = tenant.one("SELECT status, deleted_at FROM members WHERE id = ? ORDER BY uid DESC LIMIT 1", (member_id,))
    assert row is not None
    return row["status"], row["deleted_at"]


def operations(tenant: Tenant) -> list[tuple[str, str]]:
    return [(row["operation"], row["target"]) for row in tenant.query("SELECT operation, target FROM audit")]


def snapshot(tenant: Tenant) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an offboarding touches."""
    return {
        table: [tuple(row) for row in tenant.query(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in (
            "members",
            "resources",
            "seats",
            "group_members",
            "member_departments",
            "departments",
            "transfers",
            "retention",
            "audit",
        )
    }


# -- the default-transfer table ------------------------------------------------------

# (resource kind, docstring sentence, with a direct manager -> (outcome, recipient), without one -> ...)
DEFAULT_TABLE: list[tuple[str, str, tuple[Outcome, str | None], tuple[Outcome, str | None]]] = [
    (
        "docs",
        "With direct manager: By default transfer to the direct manager. / "
        "No direct manager: The resources will be retained under the member's name.",
        ("transferred", "lead"),
        ("retained", None),
    ),
    (
        "minutes",
        "With direct manager: By default transfer to the direct manager. / "
        "No direct manager: The resources will be retained under the member's name.",
        ("transferred", "lead"),
        ("retained", None),
    ),
    (
        "calendar_future",
        "With direct manager: Future events will be transferred to the direct manager by default. / "
        "No direct manager: The resources will be deleted.",
        ("transferred", "lead"),
        ("deleted", None),
    ),
    (
        "calendar_past",
        "Events which have already occurred will be deleted.",
        ("deleted", None),
        ("deleted", None),
    ),
    (
        "apps",
        "You can't delete the app that the a member who's leaving owns, and the app must be transferred. / "
        "If there's no direct manager, the app stays with the member",
        ("transferred", "lead"),
        ("retained", None),
    ),
    (
        "helpdesks",
        "By default transfer to the organization administrator.",
        ("transferred", "ops"),
        ("transferred", "ops"),
    ),
    (
        "mail",
        "With direct manager: A copy will be sent to the direct manager. / "
        "No direct manager: The resources will be retained under the member's name.",
        ("copied", "lead"),
        ("retained", None),
    ),
    (
        "approvals",
        "With direct manager: By default transfer to the direct manager. / "
        "No direct manager: Automatically transferred to the process administrator.",
        ("transferred", "lead"),
        ("process_admin", None),
    ),
    (
        "forms",
        "With direct manager: By default transfer to the direct manager. / "
        "No direct manager: The resources will be deleted.",
        ("transferred", "lead"),
        ("deleted", None),
    ),
    (
        "department_groups",
        "By default transfer to the first member of the group excluding the group owner.",
        ("transferred", "peer"),
        ("transferred", "peer"),
    ),
    (
        "chat_groups",
        "Internal groups: By default transfer to the first member of the organization excluding the group owner.",
        ("transferred", "boss"),
        ("transferred", "boss"),
    ),
    (
        "external_groups",
        "External groups: By default transfer to the first member of the organization excluding the group owner",
        ("transferred", "boss"),
        ("transferred", "boss"),
    ),
]
DEFAULT_CASES = [
    pytest.param(kind, leaver, *(with_manager if leaver == "withmgr" else without), id=f"{kind}-{leaver}")
    for kind, _, with_manager, without in DEFAULT_TABLE
    for leaver in ("withmgr", "nomgr")
]


@pytest.mark.parametrize(("kind", "leaver", "outcome", "recipient"), DEFAULT_CASES)
def test_default_transfer_table(org: Tenant, kind: str, leaver: str, outcome: Outcome, recipient: str | None) -> None:
    """One row of the page's table "Who will receive a member's resources by default?", for a
    leaver with a direct manager and one without.

    "Resources without a recipient will be automatically transferred to different members by default."
    The sentences of each row are quoted in DEFAULT_TABLE, e.g. "Events which have already occurred
    will be deleted." and "A copy will be sent to the direct manager."
    """
    before = counts(org, recipient) if recipient else {}
    org.set_resources(leaver, {kind: COUNT})

    dispositions = org.delete_member(leaver)

    assert dispositions == [Disposition(kind, COUNT, outcome, recipient, is_default=True)]
    if recipient is not None:
        assert counts(org, recipient).get(kind, 0) == before.get(kind, 0) + COUNT
    kept = COUNT if outcome in ("retained", "copied") else 0
    assert counts(org, leaver).get(kind, 0) == kept
    recorded = org.query("SELECT kind, recipient, count, outcome, is_default FROM transfers")
    assert [tuple(row) for row in recorded] == [(kind, recipient, COUNT, outcome, 1)]


def test_default_recipients_are_the_documented_people(org: Tenant) -> None:
    """Every kind at once, in one deletion, goes to the documented people.

    "With direct manager: By default transfer to the direct manager."
    "By default transfer to the organization administrator."
    "By default transfer to the first member of the group excluding the group owner."
    """
    org.set_resources("withmgr", {kind: COUNT for kind, *_ in DEFAULT_TABLE})

    got = {d.kind: (d.outcome, d.recipient) for d in org.delete_member("withmgr")}

    assert got == {kind: with_manager for kind, _, with_manager, _ in DEFAULT_TABLE}
    assert counts(org, "lead") == {
        "docs": COUNT,
        "minutes": COUNT,
        "calendar_future": COUNT,
        "apps": COUNT,
        "mail": COUNT,
        "approvals": COUNT,
        "forms": COUNT,
    }
    assert counts(org, "ops") == {"helpdesks": COUNT}
    assert counts(org, "peer") == {"department_groups": COUNT}
    assert counts(org, "boss") == {"chat_groups": COUNT, "external_groups": COUNT}


def test_external_groups_are_dissolved_when_nobody_else_is_in_the_organization(make_tenant: MakeTenant) -> None:
    """External groups are dissolved when the leaver is alone.

    "External groups: By default transfer to the first member of the organization excluding the
    group owner; if there are no other members in the organization in the group, the system will
    directly dissolve the external group."

    The founder is always a member in practice (and cannot be deleted), so the tenant is seeded
    with the leaver as its only member: there is nobody in the organization to take the group.
    """
    tenant = make_tenant(
        tenant={"name": "Solo", "founder": "boss"},
        departments=[{"id": "eng", "name": "Engineering"}],
        members=[member("solo", department="eng")],
    )
    tenant.set_resources("solo", {"external_groups": 2})

    dispositions = tenant.delete_member("solo")

    assert dispositions == [Disposition("external_groups", 2, "dissolved", None, is_default=True)]
    assert counts(tenant, "solo") == {}
    assert tenant.scalar("SELECT count(*) FROM resources WHERE count > 0") == 0


# -- explicit recipients ---------------------------------------------------------------


def test_explicit_recipients_override_the_defaults(org: Tenant) -> None:
    """Explicit recipients win; only the types left out follow the defaults.

    "Transfer to others: Select the new owner or owners of the resources."
    "Resources without a recipient will be automatically transferred to different members by default."
    """
    org.set_resources("withmgr", {"docs": 2, "apps": 1, "calendar_future": 4, "calendar_past": 5, "minutes": 6})

    dispositions = org.delete_member("withmgr", Transfers(docs="hr", apps="peer", calendar="nomgr"))

    assert sorted(dispositions, key=lambda d: d.kind) == [
        Disposition("apps", 1, "transferred", "peer", is_default=False),
        Disposition("calendar_future", 4, "transferred", "nomgr", is_default=False),
        Disposition("calendar_past", 5, "deleted", None, is_default=True),
        Disposition("docs", 2, "transferred", "hr", is_default=False),
        Disposition("minutes", 6, "transferred", "lead", is_default=True),
    ]
    assert counts(org, "hr") == {"docs": 2}
    assert counts(org, "peer") == {"apps": 1}
    assert counts(org, "nomgr") == {"calendar_future": 4}
    assert counts(org, "lead") == {"minutes": 6}
    assert counts(org, "withmgr") == {}


@pytest.mark.parametrize(
    ("mail", "outcome", "recipient", "left_with_leaver"),
    [
        pytest.param(MailTransfer(action="delete"), "deleted", None, 0, id="delete"),
        pytest.param(MailTransfer(action="keep"), "retained", None, 4, id="keep"),
        pytest.param(MailTransfer(action="transfer", to="hr"), "transferred", "hr", 0, id="transfer"),
    ],
)
def test_explicit_mail_action_overrides_the_copy_to_the_manager(
    org: Tenant, mail: MailTransfer, outcome: Outcome, recipient: str | None, left_with_leaver: int
) -> None:
    """An explicit mail action replaces the default copy to the manager.

    Open API: "`email_acceptor{processing_type "1" transfer | "2" keep | "3" delete,
    acceptor_user_id}`"; the default: "A copy will be sent to the direct manager."
    """
    org.set_resources("withmgr", {"mail": 4})

    dispositions = org.delete_member("withmgr", Transfers(mail=mail))

    assert dispositions == [Disposition("mail", 4, outcome, recipient, is_default=False)]
    assert counts(org, "withmgr").get("mail", 0) == left_with_leaver
    assert counts(org, "lead").get("mail", 0) == 0  # the manager gets no copy
    if recipient is not None:
        assert counts(org, recipient) == {"mail": 4}


@pytest.mark.parametrize(
    "transfers",
    [
        pytest.param(Transfers(docs="ghost"), id="unknown-member"),
        pytest.param(Transfers(docs="withmgr"), id="the-leaver-themselves"),
        pytest.param(Transfers(apps="peer", chat_groups="withmgr"), id="one-bad-among-good"),
        pytest.param(Transfers(mail=MailTransfer(action="transfer", to="ghost")), id="mail-to-unknown"),
        pytest.param(Transfers(mail=MailTransfer(action="transfer", to="withmgr")), id="mail-to-the-leaver"),
        pytest.param(Transfers(docs="gone"), id="a-deleted-member"),
    ],
)
def test_invalid_acceptor_is_refused_and_nothing_changes(org: Tenant, transfers: Transfers) -> None:
    """An unknown, deleted or leaving acceptor is refused, for delete and for transfer alike.

    Open API: "Errors: 41052 invalid acceptor, 44037 cannot delete a tenant admin."
    """
    org.create_member(Member(id="gone", name="Gone", department="eng", work_email="gone@acme.example"))
    org.delete_member("gone")
    org.set_resources("withmgr", {"docs": 2, "apps": 1, "chat_groups": 1, "mail": 3})
    before = snapshot(org)
    seats = org.seats_used("pro")

    with pytest.raises(TenantError) as caught:
        org.delete_member("withmgr", transfers)
    assert caught.value.code == LarkCode.INVALID_ACCEPTOR

    with pytest.raises(TenantError) as caught:
        org.transfer_resources("withmgr", transfers)
    assert caught.value.code == LarkCode.INVALID_ACCEPTOR

    assert snapshot(org) == before
    assert org.member("withmgr").status == "active"
    assert org.seats_used("pro") == seats


# -- what deletion does to the account --------------------------------------------------


def test_deletion_closes_the_account_and_releases_the_seat(tenant: Tenant) -> None:
    """The account is closed: status, seat, groups, further departments, leadership, reports.

    "The member's account will be removed from the organization; their account under the
    organization will be closed and their seat will be released."
    "Department supervisor: After the department supervisor leaves, specify the new department
    supervisor and the direct manager of the department members." (so the department is left
    without a leader and the reports without a manager until an admin names new ones)
    """
    tenant.create_group("team", "Team")
    tenant.add_group_members("team", ["lead", "dev"])
    tenant.patch_member("dev", {"job": {"dotted_line_managers": ["lead", "hr"]}})
    tenant.patch_member("lead", {"departments": ["eng"]})
    assert tenant.seat_of("lead") == "pro"
    seats = tenant.seats_used("pro")

    tenant.delete_member("lead")

    assert status_of(tenant, "lead") == ("deleted", TODAY.isoformat())
    with pytest.raises(TenantError) as caught:
        tenant.member("lead")
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert tenant.seats_used("pro") == seats - 1
    assert tenant.scalar("SELECT count(*) FROM seats s JOIN members m USING (uid) WHERE m.id = 'lead'") == 0
    assert tenant.group("team").members == ("dev",)
    assert tenant.department("web").leader is None
    dev = tenant.member("dev")
    assert dev.member.job.manager is None
    assert dev.member.job.dotted_line_managers == ("hr",)
    further = "SELECT count(*) FROM member_departments d JOIN members m USING (uid) WHERE m.id = 'lead'"
    assert tenant.scalar(further) == 0


def test_a_deleted_member_can_be_added_again(tenant: Tenant) -> None:
    """A deleted member's id and emails are free for a new account.

    "Yes. The administrator can recreate an account for the member using the previous name and
    business email."
    """
    tenant.delete_member("dev")

    tenant.create_member(
        Member(
            id="dev",
            name="Dev",
            department="web",
            work_email="dev@acme.example",
            business_email="dev@acme.larksuite.com",
            login="business_email",
        )
    )

    assert tenant.member("dev").status == "invited"
    assert [row["status"] for row in tenant.query("SELECT status FROM members WHERE id = 'dev' ORDER BY uid")] == [
        "deleted",
        "invited",
    ]


@pytest.mark.parametrize("actor", [None, "hr"], ids=["as-founder", "as-member-and-department-admin"])
@pytest.mark.parametrize("target", ["boss", "ops", "hr"], ids=["founder", "admin-billing", "admin-members"])
def test_the_founder_and_admins_cannot_be_deleted(make_tenant: MakeTenant, actor: str | None, target: str) -> None:
    """The founder and every admin are refused, whoever acts.

    Open API: "Errors: 41052 invalid acceptor, 44037 cannot delete a tenant admin."
    """
    tenant = make_tenant(actor=actor)
    tenant.set_resources(target, {"docs": 1})
    before = snapshot(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.delete_member(target)

    assert caught.value.code == LarkCode.CANNOT_DELETE_ADMIN
    assert snapshot(tenant) == before
    assert tenant.member(target).status == "active"
    assert tenant.seat_of(target) == "pro"


def test_deleting_needs_the_member_and_department_permission(make_tenant: MakeTenant) -> None:
    """A plain member is refused; "hr" (Member and Department) may delete.

    "Who can perform these steps: Primary administrators or administrators with "Member and
    Department" permission."
    """
    plain = make_tenant(actor="dev")
    before = snapshot(plain)
    with pytest.raises(TenantError) as caught:
        plain.delete_member("lead")
    assert caught.value.kind == ErrorKind.PERMISSION
    with pytest.raises(TenantError) as caught:
        plain.transfer_resources("lead", Transfers(docs="hr"))
    assert caught.value.kind == ErrorKind.PERMISSION
    assert snapshot(plain) == before

    admin = make_tenant(actor="hr")
    admin.delete_member("dev")
    assert status_of(admin, "dev") == ("deleted", TODAY.isoformat())


# -- transfer without deleting -----------------------------------------------------------


def test_transfer_resources_without_deleting_moves_only_the_given_types(org: Tenant) -> None:
    """Transfer resources without deleting a member: only the selected types move.

    "You can also transfer a member's resources without deleting their account."
    "In the Transfer resources window, select the resources to transfer and specify a recipient."
    """
    org.set_resources("withmgr", {"docs": 2, "minutes": 3, "apps": 1, "mail": 4, "calendar_past": 5})
    seats = org.seats_used("pro")

    transfers = Transfers(docs="hr", mail=MailTransfer(action="transfer", to="peer"))
    dispositions = org.transfer_resources("withmgr", transfers)

    assert sorted(dispositions, key=lambda d: d.kind) == [
        Disposition("docs", 2, "transferred", "hr", is_default=False),
        Disposition("mail", 4, "transferred", "peer", is_default=False),
    ]
    withmgr = org.member("withmgr")
    assert withmgr.status == "active"
    assert withmgr.deleted_at is None
    assert withmgr.resources.counts() == {"minutes": 3, "apps": 1, "calendar_past": 5}
    assert counts(org, "hr") == {"docs": 2}
    assert counts(org, "peer") == {"mail": 4}
    assert counts(org, "lead") == {}  # no default applies: the manager receives nothing
    assert org.seats_used("pro") == seats


# -- restore --------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "allowed"), [(0, True), (29, True), (30, True), (31, False), (40, False)])
def test_restore_within_30_days(tenant: Tenant, clock: FixedClock, days: int, allowed: bool) -> None:
    """Restore works up to day 30 and is refused from day 31.

    "Organizations on Lark Basic, Pro, and Enterprise plans can restore the deleted members within
    30 days."
    Open API: "Resurrect errors: 44028 deleted more than 30 days ago"
    """
    tenant.delete_member("dev")
    clock.advance(days=days)

    if allowed:
        tenant.restore_member("dev", department="web")
        assert tenant.member("dev").status == "active"
        return
    with pytest.raises(TenantError) as caught:
        tenant.restore_member("dev", department="web")
    assert caught.value.code == LarkCode.RESTORE_WINDOW_PASSED
    assert status_of(tenant, "dev") == ("deleted", TODAY.isoformat())


def test_restore_needs_a_paid_plan(make_tenant: MakeTenant) -> None:
    """A tenant whose only plan has expired (back on Starter) cannot restore.

    "Organizations on Lark Basic, Pro, and Enterprise plans can restore the deleted members within
    30 days."
    "Only available to users on the Basic, Pro, and Enterprise plans."
    """
    expired = {"id": "pro", "edition": "pro", "seats": 10, "starts": "2025-06-01", "expires": "2026-06-01"}
    tenant = make_tenant(org={"plans": [expired]})
    assert tenant.edition() == "starter"
    tenant.delete_member("dev")
    before = snapshot(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.restore_member("dev", department="web")

    assert caught.value.kind == ErrorKind.RULE
    assert snapshot(tenant) == before
    assert status_of(tenant, "dev") == ("deleted", TODAY.isoformat())


def test_restored_member_does_not_get_back_transferred_data(tenant: Tenant) -> None:
    """The restored member is active in the department given, without what was transferred.

    "However, transferred data, the member's department, administrator roles and other data cannot
    be automatically restored."
    """
    tenant.set_resources("lead", {"docs": 5, "mail": 2, "calendar_past": 1})
    tenant.create_group("team", "Team")
    tenant.add_group_members("team", ["lead"])
    tenant.delete_member("lead")
    seats = tenant.seats_used("pro")

    tenant.restore_member("lead", department="ops")

    lead = tenant.member("lead")
    assert lead.status == "active"
    assert lead.deleted_at is None
    assert lead.member.department == "ops"
    assert lead.member.departments == ()
    assert lead.resources.counts() == {"mail": 2}  # the copy left the original; the docs stay with boss
    assert counts(tenant, "boss") == {"docs": 5, "mail": 2}
    assert tenant.department("web").leader is None
    assert tenant.member("dev").member.job.manager is None
    assert tenant.group("team").members == ()
    assert tenant.seat_of("lead") == "pro"
    assert tenant.seats_used("pro") == seats + 1


@pytest.mark.parametrize(
    ("leaver", "newcomer", "code"),
    [
        pytest.param(
            "lead", member("lead", work_email="lead.new@acme.example"), LarkCode.RESTORE_USER_ID_TAKEN, id="user-id"
        ),
        pytest.param("lead", member("lead2", phone="+15550100001"), LarkCode.RESTORE_MOBILE_TAKEN, id="phone"),
        pytest.param("lead", member("lead2", work_email="lead@acme.example"), LarkCode.RESTORE_EMAIL_TAKEN, id="email"),
        pytest.param(
            "lead", member("lead2", work_email="LEAD@acme.example"), LarkCode.RESTORE_EMAIL_TAKEN, id="email-case"
        ),
        pytest.param(
            "dev",
            member("dev2", business_email="dev@acme.larksuite.com"),
            LarkCode.RESTORE_EMAIL_TAKEN,
            id="business-email",
        ),
    ],
)
def test_restore_refused_when_an_identifier_is_taken(
    tenant: Tenant, leaver: str, newcomer: dict[str, Any], code: LarkCode
) -> None:
    """A user id, phone or email now held by another member blocks the restore.

    Open API: "Resurrect errors: 44028 deleted more than 30 days ago, 44030/44031/44032 mobile /
    email / user_id now taken, 44033 user is not deleted."
    """
    tenant.delete_member(leaver)
    tenant.create_member(Member.model_validate(newcomer))
    before = snapshot(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.restore_member(leaver, department="web")

    assert caught.value.code == code
    assert snapshot(tenant) == before
    assert tenant.member(newcomer["id"]).status == "invited"


def test_restore_refused_when_the_employee_id_is_taken(tenant: Tenant) -> None:
    """An employee id now held by another member blocks the restore like the other unique values
    do, with a tenant error (the database's own constraint must not leak out).

    Open API: "44051 duplicate employee_no" (create / patch) and "Resurrect errors: 44028 deleted
    more than 30 days ago, 44030/44031/44032 mobile / email / user_id now taken, 44033 user is not
    deleted."
    """
    tenant.patch_member("dev", {"employee_id": "E-1"})
    tenant.delete_member("dev")
    tenant.create_member(Member.model_validate(member("dev2", employee_id="E-1")))
    before = snapshot(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.restore_member("dev", department="web")

    assert caught.value.kind == ErrorKind.CONFLICT
    assert snapshot(tenant) == before
    assert status_of(tenant, "dev") == ("deleted", TODAY.isoformat())


def test_a_restored_member_does_not_keep_a_manager_who_has_left(tenant: Tenant) -> None:
    """A manager deleted while the member was away is not brought back as their manager: the
    restored member has no manager and can be edited at once.

    "Department supervisor: After the department supervisor leaves, specify the new department
    supervisor and the direct manager of the department members."
    "However, transferred data, the member's department, administrator roles and other data cannot
    be automatically restored."
    """
    tenant.delete_member("dev")  # dev reports to lead
    tenant.delete_member("lead")

    tenant.restore_member("dev", department="web")

    assert tenant.member("dev").member.job.manager is None
    tenant.patch_member("dev", {"name": "Dev Again"})
    assert tenant.member("dev").member.name == "Dev Again"


def test_restoring_a_member_who_is_not_deleted_is_refused(tenant: Tenant) -> None:
    """Only a deleted member can be restored.

    Open API: "Resurrect errors: 44028 deleted more than 30 days ago, 44030/44031/44032 mobile /
    email / user_id now taken, 44033 user is not deleted."
    """
    before = snapshot(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.restore_member("dev", department="ops")

    assert caught.value.code == LarkCode.NOT_DELETED
    assert snapshot(tenant) == before
    assert tenant.member("dev").member.department == "web"


@pytest.mark.parametrize("actor", ["hr", "ops"])
def test_restore_needs_the_primary_administrator(make_tenant: MakeTenant, actor: str) -> None:
    """Manage deleted members (restore) is for the primary administrator only.

    "Who can perform these steps: Primary administrators."
    """
    tenant = make_tenant(actor=actor)
    tenant.delete_member("dev")
    before = snapshot(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.restore_member("dev", department="web")

    assert caught.value.kind == ErrorKind.PERMISSION
    assert snapshot(tenant) == before
    assert status_of(tenant, "dev") == ("deleted", TODAY.isoformat())


# -- retention, records, audit ------------------------------------------------------------


@pytest.mark.parametrize(
    ("retain", "stored"),
    [
        pytest.param(None, (1, 1, 1), id="default"),
        pytest.param(Retention(docs=False), (0, 1, 1), id="docs-deleted"),
        pytest.param(Retention(mail=False, minutes=False), (1, 0, 0), id="mail-and-minutes-deleted"),
        pytest.param(Retention(docs=False, mail=False, minutes=False), (0, 0, 0), id="all-deleted"),
    ],
)
def test_retention_settings_are_stored(tenant: Tenant, retain: Retention | None, stored: tuple[int, int, int]) -> None:
    """The retention choices are stored with the deleted member.

    "You can click Settings to change the default rules and retain their documents, emails, and
    minutes."
    """
    uid = tenant.uid_of("dev")

    tenant.delete_member("dev", retain=retain)

    row = tenant.one("SELECT docs, mail, minutes FROM retention WHERE uid = ?", (uid,))
    assert row is not None
    assert tuple(row) == stored


def test_transfer_records_are_kept_for_the_deleted_member(org: Tenant) -> None:
    """Each transfer (explicit or default, before or at deletion) is recorded.

    "You can find basic information and resource transfer records."
    """
    org.set_resources("withmgr", {"docs": 2, "mail": 1})
    uid = org.uid_of("withmgr")
    org.transfer_resources("withmgr", Transfers(docs="hr"))

    org.delete_member("withmgr")

    rows = org.query("SELECT kind, recipient, count, outcome, is_default, at FROM transfers WHERE uid = ?", (uid,))
    at = org.now().isoformat()
    assert [tuple(row) for row in rows] == [
        ("docs", "hr", 2, "transferred", 0, at),
        ("mail", "lead", 1, "copied", 1, at),
    ]


def test_every_operation_is_in_the_audit_log(tenant: Tenant, clock: FixedClock) -> None:
    """Every operation leaves one audit entry; a refused one leaves none.

    "If I delete a member and then restore them, how can I find the resource transfer record in
    between?"
    "Open the Lark Admin Console, and go to Compliance > Audit Log > Admin log."
    """
    start = len(operations(tenant))
    tenant.set_resources("dev", {"docs": 1, "apps": 1})
    tenant.transfer_resources("dev", Transfers(apps="hr"))
    tenant.delete_member("dev", Transfers(docs="hr"), Retention(mail=False))
    clock.advance(days=3)
    tenant.restore_member("dev", department="ops")
    with pytest.raises(TenantError):
        tenant.delete_member("boss")  # refused: leaves no entry

    assert operations(tenant)[start:] == [
        ("member.resources", "member.dev"),
        ("resources.transfer", "member.dev"),
        ("member.delete", "member.dev"),
        ("member.restore", "member.dev"),
    ]
    rows = tenant.query("SELECT at, actor FROM audit ORDER BY seq")[start:]
    assert [row["actor"] for row in rows] == ["boss"] * 4
    assert rows[-1]["at"] == dt.datetime.combine(TODAY + dt.timedelta(days=3), dt.time(9), dt.UTC).isoformat()
