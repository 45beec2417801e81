"""User groups, checked against the Open API's user-group section (lark-open-api.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import UserGroup
from orgstate.tenant import FixedClock, Tenant

MakeTenant = Callable[..., Tenant]
MAX_GROUPS = 500


def groups(tenant: Tenant) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in tenant.query("SELECT id, name, description, seat FROM user_groups ORDER BY id")]


def group_members(tenant: Tenant) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in tenant.query("SELECT group_id, uid FROM group_members ORDER BY group_id, uid")]


def operations(tenant: Tenant) -> list[tuple[str, str]]:
    return [(row["operation"], row["target"]) for row in tenant.query("SELECT operation, target FROM audit")]


# -- create, patch, delete ----------------------------------------------------------------


def test_create_patch_and_delete_a_group(tenant: Tenant) -> None:
    """A group's life: create, rename, delete.

    "create POST /group {name (<=100, unique), description, type=1, group_id} (100/min);"
    "patch / delete PATCH|DELETE /group/:group_id (100/min; delete fails 42017 while the group has
    members)"
    """
    start = len(operations(tenant))

    assert tenant.create_group("web-team", "Web team", "The web people") == "web-team"
    assert tenant.group("web-team") == UserGroup(id="web-team", name="Web team", description="The web people")

    tenant.patch_group("web-team", {"name": "Web"})
    assert tenant.group("web-team") == UserGroup(id="web-team", name="Web", description="The web people")
    tenant.patch_group("web-team", {"description": ""})
    assert tenant.group("web-team") == UserGroup(id="web-team", name="Web")

    tenant.delete_group("web-team")
    with pytest.raises(TenantError) as caught:
        tenant.group("web-team")
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert groups(tenant) == []
    assert operations(tenant)[start:] == [
        ("user_group.create", "user_group.web-team"),
        ("user_group.patch", "user_group.web-team"),
        ("user_group.patch", "user_group.web-team"),
        ("user_group.delete", "user_group.web-team"),
    ]


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        pytest.param({"seat": "pro"}, ErrorKind.INVALID, id="seat-is-not-patched"),
        pytest.param({"id": "other"}, ErrorKind.INVALID, id="id-is-not-patched"),
        pytest.param({"name": ""}, ErrorKind.INVALID, id="empty-name"),
        pytest.param({"name": "x" * 101}, ErrorKind.INVALID, id="name-over-100"),
        pytest.param({"description": "x" * 501}, ErrorKind.INVALID, id="description-over-500"),
        pytest.param({"name": "Support"}, ErrorKind.CONFLICT, id="name-of-another-group"),
    ],
)
def test_a_bad_patch_is_refused_and_nothing_changes(tenant: Tenant, changes: dict[str, Any], kind: ErrorKind) -> None:
    """Only name and description change, within their limits.

    "create POST /group {name (<=100, unique), description, type=1, group_id} (100/min);"
    """
    tenant.create_group("web-team", "Web team")
    tenant.create_group("support", "Support")
    before = groups(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.patch_group("web-team", changes)

    assert caught.value.kind == kind
    assert groups(tenant) == before


@pytest.mark.parametrize(
    ("group_id", "name", "kind"),
    [
        pytest.param("web-team", "Another name", ErrorKind.CONFLICT, id="duplicate-id"),
        pytest.param("other", "Web team", ErrorKind.CONFLICT, id="duplicate-name"),
        pytest.param("other", "x" * 101, ErrorKind.INVALID, id="name-over-100"),
        pytest.param("-bad", "Bad", ErrorKind.INVALID, id="malformed-id"),
    ],
)
def test_a_duplicate_or_malformed_group_is_refused(tenant: Tenant, group_id: str, name: str, kind: ErrorKind) -> None:
    """Group names are unique and at most 100 characters.

    "create POST /group {name (<=100, unique), description, type=1, group_id} (100/min);"
    """
    tenant.create_group("web-team", "Web team")
    before = groups(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.create_group(group_id, name)

    assert caught.value.kind == kind
    assert groups(tenant) == before


def test_a_group_with_members_cannot_be_deleted(tenant: Tenant) -> None:
    """Deleting needs an empty group.

    "patch / delete PATCH|DELETE /group/:group_id (100/min; delete fails 42017 while the group has
    members)"
    """
    tenant.create_group("web-team", "Web team")
    tenant.add_group_members("web-team", ["lead", "dev"])

    with pytest.raises(TenantError) as caught:
        tenant.delete_group("web-team")
    assert caught.value.code == LarkCode.GROUP_HAS_MEMBERS
    assert tenant.group("web-team").members == ("lead", "dev")

    assert tenant.remove_group_members("web-team", ["lead", "dev"]) == ["lead", "dev"]
    tenant.delete_group("web-team")
    assert groups(tenant) == []


def test_a_group_emptied_by_deleting_its_members_can_be_deleted(tenant: Tenant) -> None:
    """Deleted members leave their groups, so the group no longer counts as having members.

    "patch / delete PATCH|DELETE /group/:group_id (100/min; delete fails 42017 while the group has
    members)"
    """
    tenant.create_group("web-team", "Web team")
    tenant.add_group_members("web-team", ["dev"])
    tenant.delete_member("dev")

    tenant.delete_group("web-team")

    assert groups(tenant) == []


# -- members --------------------------------------------------------------------------------


def test_adding_an_existing_member_reports_42005(tenant: Tenant) -> None:
    """Each member of a batch gets a result code; an existing member gets 42005.

    "batch_add returns `results[{member_id, code}]`, 42005 = already a member;"
    """
    tenant.create_group("web-team", "Web team")
    assert tenant.add_group_members("web-team", ["lead"]) == {"lead": 0}

    results = tenant.add_group_members("web-team", ["dev", "lead"])

    assert results == {"dev": 0, "lead": LarkCode.GROUP_MEMBER_EXISTS}
    assert tenant.group("web-team").members == ("lead", "dev")


def test_a_batch_with_an_unknown_member_adds_nobody(tenant: Tenant) -> None:
    """A batch either happens whole or not at all.

    "POST /group/:id/member/batch_add|batch_remove with 1-100 members (100/min),"
    """
    tenant.create_group("web-team", "Web team")
    before = group_members(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.add_group_members("web-team", ["lead", "ghost"])

    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert group_members(tenant) == before
    assert tenant.group("web-team").members == ()


# -- limits ----------------------------------------------------------------------------------


def test_at_most_500_groups(tenant: Tenant) -> None:
    """The 501st group is refused.

    "type 1 ordinary (writable), 2 dynamic (read only). At most 500 groups (42016)."
    """
    for number in range(MAX_GROUPS):
        tenant.create_group(f"g{number}", f"Group {number}")
    assert int(tenant.scalar("SELECT count(*) FROM user_groups")) == MAX_GROUPS

    with pytest.raises(TenantError) as caught:
        tenant.create_group("one-more", "One more")

    assert caught.value.code == LarkCode.GROUP_LIMIT
    assert int(tenant.scalar("SELECT count(*) FROM user_groups")) == MAX_GROUPS
    tenant.delete_group("g0")
    assert tenant.create_group("one-more", "One more") == "one-more"


# -- idempotency -----------------------------------------------------------------------------


def test_client_token_replay(tenant: Tenant) -> None:
    """The same token returns the same group; with another request it is refused.

    Open API: "(query `client_token` = idempotency key; same token with other params -> 40021)"
    """
    assert tenant.create_group("web-team", "Web team", client_token="t1") == "web-team"
    assert tenant.create_group("web-team", "Web team", client_token="t1") == "web-team"
    assert groups(tenant) == [("web-team", "Web team", "", None)]

    with pytest.raises(TenantError) as caught:
        tenant.create_group("web-team-2", "Web team 2", client_token="t1")
    assert caught.value.code == LarkCode.IDEMPOTENCY_MISMATCH
    assert groups(tenant) == [("web-team", "Web team", "", None)]


# -- permissions -----------------------------------------------------------------------------

OPERATIONS: list[tuple[str, Callable[[Tenant], object]]] = [
    ("create", lambda t: t.create_group("new", "New")),
    ("patch", lambda t: t.patch_group("web-team", {"name": "Renamed"})),
    ("delete", lambda t: t.delete_group("empty")),
    ("add-members", lambda t: t.add_group_members("web-team", ["lead"])),
    ("remove-members", lambda t: t.remove_group_members("web-team", ["dev"])),
]


@pytest.mark.parametrize("operation", [op for _, op in OPERATIONS], ids=[name for name, _ in OPERATIONS])
@pytest.mark.parametrize(("actor", "allowed"), [("dev", False), ("lead", False), ("hr", True), ("ops", True)])
def test_only_admins_with_the_member_and_department_permission(
    make_tenant: MakeTenant, operation: Callable[[Tenant], object], actor: str, allowed: bool
) -> None:
    """A member who is not an admin is refused.

    "Who can perform these steps: Primary administrators or administrators with "Member and
    Department" permission."
    """
    groups_section = [
        {"id": "web-team", "name": "Web team", "members": ["dev"]},
        {"id": "empty", "name": "Empty"},
    ]
    tenant = make_tenant(actor=actor, user_groups=groups_section)
    before = (groups(tenant), group_members(tenant), operations(tenant))

    if allowed:
        operation(tenant)
        assert (groups(tenant), group_members(tenant)) != before[:2]
        return
    with pytest.raises(TenantError) as caught:
        operation(tenant)
    assert caught.value.kind == ErrorKind.PERMISSION
    assert (groups(tenant), group_members(tenant), operations(tenant)) == before


def test_a_plain_member_cannot_create_a_group_by_replaying_a_client_token(tenant: Tenant, clock: FixedClock) -> None:
    """Replaying an admin's client token does not let a plain member act as one.

    "Who can perform these steps: Primary administrators or administrators with "Member and
    Department" permission."
    """
    tenant.create_group("web-team", "Web team", client_token="t1")
    before = operations(tenant)

    plain = Tenant(tenant.path, clock=clock, actor="dev")
    try:
        with pytest.raises(TenantError) as caught:
            plain.create_group("web-team", "Web team", client_token="t1")
        assert caught.value.kind == ErrorKind.PERMISSION
    finally:
        plain.close()
    assert operations(tenant) == before
