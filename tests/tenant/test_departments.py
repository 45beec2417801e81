"""Departments, checked against the Open API's department section (lark-open-api.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import Department, Member
from orgstate.tenant import FixedClock, Tenant

MakeTenant = Callable[..., Tenant]
MAX_DEPTH = 25


def departments(tenant: Tenant) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in tenant.query("SELECT * FROM departments ORDER BY id")]


def operations(tenant: Tenant) -> list[tuple[str, str]]:
    return [(row["operation"], row["target"]) for row in tenant.query("SELECT operation, target FROM audit")]


def chain(tenant: Tenant, prefix: str, levels: int, parent: str | None = None) -> list[str]:
    """Create `levels` departments, each the child of the one before; returns their ids."""
    ids = []
    for level in range(1, levels + 1):
        ids.append(tenant.create_department(Department(id=f"{prefix}{level}", name=f"Level {level}", parent=parent)))
        parent = ids[-1]
    return ids


# -- create, patch, delete ----------------------------------------------------------------


def test_create_patch_and_delete_a_department(tenant: Tenant) -> None:
    """A department's life: create, change only the sent fields, delete.

    "create POST (query `client_token`): `name` (required, no "/", unique among siblings),
    `parent_department_id` (required, "0" = root), `department_id`"
    "patch PATCH /departments/:id (only sent fields change; 43024/43030 concurrency lock: retry);"
    """
    start = len(operations(tenant))

    created = Department(id="qa", name="Quality", parent="eng", leader="lead", order=7)
    assert tenant.create_department(created) == "qa"
    assert tenant.department("qa") == created

    tenant.patch_department("qa", {"name": "QA", "group_chat": True})
    assert tenant.department("qa") == Department(
        id="qa", name="QA", parent="eng", leader="lead", group_chat=True, order=7
    )
    tenant.patch_department("qa", {"parent": None, "leader": None})
    assert tenant.department("qa") == Department(id="qa", name="QA", group_chat=True, order=7)

    tenant.delete_department("qa")
    with pytest.raises(TenantError) as caught:
        tenant.department("qa")
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert operations(tenant)[start:] == [
        ("department.create", "department.qa"),
        ("department.patch", "department.qa"),
        ("department.patch", "department.qa"),
        ("department.delete", "department.qa"),
    ]


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        pytest.param({"id": "other"}, ErrorKind.INVALID, id="id-cannot-change"),
        pytest.param({"name": "A/B"}, ErrorKind.INVALID, id="slash-in-name"),
        pytest.param({"name": ""}, ErrorKind.INVALID, id="empty-name"),
        pytest.param({"order": -1}, ErrorKind.INVALID, id="negative-order"),
        pytest.param({"parent": "nowhere"}, ErrorKind.NOT_FOUND, id="unknown-parent"),
        pytest.param({"leader": "ghost"}, ErrorKind.NOT_FOUND, id="unknown-leader"),
    ],
)
def test_a_bad_patch_is_refused_and_nothing_changes(tenant: Tenant, changes: dict[str, Any], kind: ErrorKind) -> None:
    """Patches keep to the department rules.

    "create POST (query `client_token`): `name` (required, no "/", unique among siblings),
    `parent_department_id` (required, "0" = root), `department_id`"
    """
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.patch_department("web", changes)

    assert caught.value.kind == kind
    assert departments(tenant) == before


# -- delete ------------------------------------------------------------------------------------


def test_a_department_with_members_cannot_be_deleted(tenant: Tenant) -> None:
    """Members keep a department from being deleted.

    "delete DELETE /departments/:id (43011 still has users, 43012 still has sub-departments);"
    """
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.delete_department("web")

    assert caught.value.code == LarkCode.DEPARTMENT_HAS_MEMBERS
    assert departments(tenant) == before


def test_a_department_with_members_in_it_as_a_further_department_cannot_be_deleted(tenant: Tenant) -> None:
    """A member who belongs to the department as one of several still counts.

    "delete DELETE /departments/:id (43011 still has users, 43012 still has sub-departments);"
    """
    tenant.create_department(Department(id="qa", name="QA"))
    tenant.patch_member("lead", {"departments": ["qa"]})
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.delete_department("qa")

    assert caught.value.code == LarkCode.DEPARTMENT_HAS_MEMBERS
    assert departments(tenant) == before
    assert tenant.member("lead").member.departments == ("qa",)


def test_deleted_members_do_not_keep_a_department(tenant: Tenant) -> None:
    """Once its only member is deleted, the department has no users.

    "delete DELETE /departments/:id (43011 still has users, 43012 still has sub-departments);"
    """
    tenant.create_department(Department(id="qa", name="QA"))
    tenant.create_member(Member(id="tester", name="Tester", department="qa", work_email="tester@acme.example"))
    tenant.delete_member("tester")

    tenant.delete_department("qa")

    assert "qa" not in {department.id for department in tenant.departments()}


def test_a_department_with_sub_departments_cannot_be_deleted(tenant: Tenant) -> None:
    """Sub-departments keep a department from being deleted.

    "delete DELETE /departments/:id (43011 still has users, 43012 still has sub-departments);"
    """
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.delete_department("eng")

    assert caught.value.code == LarkCode.DEPARTMENT_HAS_CHILDREN
    assert departments(tenant) == before


# -- siblings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("department", "code"),
    [
        pytest.param(Department(id="qa", name="QA", parent="eng", order=1), LarkCode.DEPARTMENT_ORDER_EXISTS, id="eng"),
        pytest.param(Department(id="qa", name="QA", order=2), LarkCode.DEPARTMENT_ORDER_EXISTS, id="root"),
        pytest.param(Department(id="qa", name="QA", parent="eng", order=2), None, id="order-of-the-parent"),
        pytest.param(Department(id="qa", name="QA", parent="web", order=2), None, id="order-of-a-non-sibling"),
    ],
)
def test_order_is_unique_among_siblings(make_tenant: MakeTenant, department: Department, code: int | None) -> None:
    """Two siblings cannot share an order; departments elsewhere may.

    "`leader_user_id`, `order` (a string integer, unique, error 43005),"
    """
    tenant = make_tenant(
        departments=[
            {"id": "eng", "name": "Engineering", "order": 2},
            {"id": "web", "name": "Web", "parent": "eng", "order": 1},
            {"id": "ops", "name": "Operations"},
        ]
    )
    before = departments(tenant)

    if code is None:
        tenant.create_department(department)
        assert tenant.department("qa") == department
        return
    with pytest.raises(TenantError) as caught:
        tenant.create_department(department)
    assert caught.value.code == code
    assert departments(tenant) == before


def test_a_patch_cannot_take_a_siblings_order(make_tenant: MakeTenant) -> None:
    """Patching the order checks the siblings too (but not the department itself).

    "`leader_user_id`, `order` (a string integer, unique, error 43005),"
    """
    tenant = make_tenant(
        departments=[{"id": "eng", "name": "Engineering", "order": 1}, {"id": "ops", "name": "Operations", "order": 2}]
    )
    tenant.patch_department("eng", {"order": 1, "name": "Eng"})
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.patch_department("eng", {"order": 2})

    assert caught.value.code == LarkCode.DEPARTMENT_ORDER_EXISTS
    assert departments(tenant) == before


@pytest.mark.parametrize(
    ("department", "clash"),
    [
        pytest.param(Department(id="web2", name="Web", parent="eng"), True, id="same-parent"),
        pytest.param(Department(id="eng2", name="Engineering"), True, id="both-top-level"),
        pytest.param(Department(id="web2", name="Web"), False, id="different-parent"),
        pytest.param(Department(id="web2", name="web", parent="eng"), False, id="other-case"),
    ],
)
def test_name_is_unique_among_siblings(tenant: Tenant, department: Department, clash: bool) -> None:
    """Sibling names are unique; the same name under another parent is fine.

    "create POST (query `client_token`): `name` (required, no "/", unique among siblings),"
    """
    before = departments(tenant)

    if not clash:
        tenant.create_department(department)
        assert tenant.department(department.id) == department
        return
    with pytest.raises(TenantError) as caught:
        tenant.create_department(department)
    assert caught.value.kind == ErrorKind.CONFLICT
    assert departments(tenant) == before


def test_a_patch_cannot_take_a_siblings_name(tenant: Tenant) -> None:
    """Renaming checks the siblings too.

    "create POST (query `client_token`): `name` (required, no "/", unique among siblings),"
    """
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.patch_department("ops", {"name": "Engineering"})

    assert caught.value.kind == ErrorKind.CONFLICT
    assert departments(tenant) == before


# -- the tree ----------------------------------------------------------------------------------


def test_departments_nest_at_most_25_levels(tenant: Tenant) -> None:
    """A 25-level chain is accepted; a 26th level is refused.

    "Tenant limits: 30,000 departments, 1,000 direct children, 10,000 direct members, 25 levels."
    """
    ids = chain(tenant, "l", MAX_DEPTH)
    assert tenant.department_depth(ids[-1]) == MAX_DEPTH
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.create_department(Department(id="l26", name="Level 26", parent=ids[-1]))

    assert caught.value.kind == ErrorKind.RULE
    assert departments(tenant) == before


def test_moving_a_department_cannot_go_past_25_levels(tenant: Tenant) -> None:
    """Moving a department under a deep one is refused when it would sink past 25 levels.

    "Tenant limits: 30,000 departments, 1,000 direct children, 10,000 direct members, 25 levels."
    """
    ids = chain(tenant, "l", MAX_DEPTH)
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.patch_department("ops", {"parent": ids[-1]})

    assert caught.value.kind == ErrorKind.RULE
    assert departments(tenant) == before


def test_moving_a_subtree_cannot_push_its_children_past_25_levels(tenant: Tenant) -> None:
    """The limit holds for the moved department's sub-departments as well: moving "eng" (which has
    the child "web") under level 24 would put "web" at level 26.

    "Tenant limits: 30,000 departments, 1,000 direct children, 10,000 direct members, 25 levels."
    """
    ids = chain(tenant, "l", MAX_DEPTH - 1)
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.patch_department("eng", {"parent": ids[-1]})

    assert caught.value.kind == ErrorKind.RULE
    assert departments(tenant) == before
    assert max(tenant.department_depth(department.id) for department in tenant.departments()) <= MAX_DEPTH


@pytest.mark.parametrize(
    ("department_id", "parent"),
    [
        pytest.param("eng", "eng", id="itself"),
        pytest.param("eng", "web", id="its-child"),
        pytest.param("eng", "deep", id="its-grandchild"),
        pytest.param("web", "deep", id="its-child-again"),
    ],
)
def test_a_department_cannot_become_its_own_ancestor(tenant: Tenant, department_id: str, parent: str) -> None:
    """A patch that would make a cycle is refused.

    "patch PATCH /departments/:id (only sent fields change; 43024/43030 concurrency lock: retry);"
    "`parent_department_id` (required, "0" = root)"
    """
    tenant.create_department(Department(id="deep", name="Deep", parent="web"))
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.patch_department(department_id, {"parent": parent})

    assert caught.value.kind == ErrorKind.RULE
    assert departments(tenant) == before
    assert tenant.department_depth("deep") == 3


@pytest.mark.parametrize("department_id", ["0", "1", "od-x", "od-1234abcd"])
def test_reserved_ids_are_refused(tenant: Tenant, department_id: str) -> None:
    """Lark's own department ids cannot be taken.

    "(custom, `^[a-zA-Z0-9][a-zA-Z0-9_\\-@.]{0,63}$`, not "0"/"1", not `od-...`),"
    """
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.create_department(Department(id=department_id, name="Reserved"))

    assert caught.value.kind == ErrorKind.INVALID
    assert departments(tenant) == before


def test_an_existing_id_is_refused(tenant: Tenant) -> None:
    """A department id names one department.

    "(custom, `^[a-zA-Z0-9][a-zA-Z0-9_\\-@.]{0,63}$`, not "0"/"1", not `od-...`),"
    """
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        tenant.create_department(Department(id="web", name="Another web"))

    assert caught.value.kind == ErrorKind.CONFLICT
    assert departments(tenant) == before


# -- idempotency --------------------------------------------------------------------------------


def test_client_token_replay_returns_the_same_department(tenant: Tenant) -> None:
    """The same token and request return the same id without creating anything.

    "(query `client_token` = idempotency key; same token with other params -> 40021)"
    """
    department = Department(id="qa", name="QA", parent="eng")
    assert tenant.create_department(department, client_token="t1") == "qa"
    after_first = departments(tenant)

    assert tenant.create_department(department, client_token="t1") == "qa"

    assert departments(tenant) == after_first


@pytest.mark.parametrize(
    "replay",
    [
        pytest.param(lambda t: t.create_department(Department(id="qa", name="QA 2", parent="eng"), "t1"), id="name"),
        pytest.param(lambda t: t.create_department(Department(id="qa2", name="QA", parent="eng"), "t1"), id="id"),
        pytest.param(lambda t: t.create_department(Department(id="qa", name="QA"), "t1"), id="parent"),
        pytest.param(lambda t: t.create_group("qa", "QA", client_token="t1"), id="another-operation"),
    ],
)
def test_client_token_with_a_different_request_is_refused(tenant: Tenant, replay: Callable[[Tenant], str]) -> None:
    """A token used once cannot be reused for anything else.

    "(query `client_token` = idempotency key; same token with other params -> 40021)"
    """
    tenant.create_department(Department(id="qa", name="QA", parent="eng"), client_token="t1")
    before = departments(tenant)

    with pytest.raises(TenantError) as caught:
        replay(tenant)

    assert caught.value.code == LarkCode.IDEMPOTENCY_MISMATCH
    assert departments(tenant) == before
    assert tenant.scalar("SELECT count(*) FROM user_groups") == 0


# -- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda t: t.create_department(Department(id="qa", name="QA")), id="create"),
        pytest.param(lambda t: t.patch_department("ops", {"name": "Ops"}), id="patch"),
        pytest.param(lambda t: t.delete_department("empty"), id="delete"),
    ],
)
@pytest.mark.parametrize(("actor", "allowed"), [("dev", False), ("hr", True)])
def test_only_admins_with_the_member_and_department_permission(
    make_tenant: MakeTenant, operation: Callable[[Tenant], object], actor: str, allowed: bool
) -> None:
    """A member who is not an admin is refused.

    "Who can perform these steps: Primary administrators or administrators with "Member and
    Department" permission."
    """
    tenant = make_tenant(
        actor=actor,
        departments=[
            {"id": "eng", "name": "Engineering", "leader": "boss"},
            {"id": "web", "name": "Web", "parent": "eng", "leader": "lead"},
            {"id": "ops", "name": "Operations"},
            {"id": "empty", "name": "Empty"},
        ],
    )
    before = departments(tenant)

    if allowed:
        operation(tenant)
        assert departments(tenant) != before
        return
    with pytest.raises(TenantError) as caught:
        operation(tenant)
    assert caught.value.kind == ErrorKind.PERMISSION
    assert departments(tenant) == before


def test_a_plain_member_cannot_create_a_department_by_replaying_a_client_token(
    tenant: Tenant, clock: FixedClock
) -> None:
    """Replaying an admin's client token does not let a plain member act as one.

    "Who can perform these steps: Primary administrators or administrators with "Member and
    Department" permission."
    """
    tenant.create_department(Department(id="qa", name="QA"), client_token="t1")
    before = operations(tenant)

    plain = Tenant(tenant.path, clock=clock, actor="dev")
    try:
        with pytest.raises(TenantError) as caught:
            plain.create_department(Department(id="qa", name="QA"), client_token="t1")
        assert caught.value.kind == ErrorKind.PERMISSION
    finally:
        plain.close()
    assert operations(tenant) == before
