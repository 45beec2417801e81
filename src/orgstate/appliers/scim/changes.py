"""The scim backend's table of functions, one per change class: how it carries out each
change on a SCIM provider, and how it checks it.

Each handler re-reads its target first (by externalId, else its name: mapping.Naming) and does nothing when the change
already holds (a create that finds its object reports unchanged), so a resumed apply
repeats nothing. A write sends the resource as just read, with what the change sets
overlaid (attributes orgstate does not map are kept), and If-Match its version where the
provider gives ETags (scim2-client does): a change made in the provider in between is
refused (HTTP 412) as a stale plan. Offboarding goes as identity providers do it:
`active: false` first, then DELETE."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scim2_models import Group, GroupMember, PatchOp, PatchOperation

from orgstate.appliers.base import Outcome
from orgstate.appliers.local.backend import differing
from orgstate.appliers.registry import Registry
from orgstate.appliers.scim.mapping import new_user, overlay
from orgstate.errors import ErrorKind, TenantError
from orgstate.model.fields import apply_patch
from orgstate.planner.changes import (
    BaseChange,
    Change,
    DepartmentCreate,
    DepartmentDelete,
    DepartmentUpdate,
    GroupMemberAdd,
    GroupMemberRemove,
    MemberCreate,
    MemberDelete,
    MemberRestore,
    MemberResume,
    MemberSuspend,
    MemberUpdate,
    ResourcesTransfer,
    SeatAssign,
    SeatRelease,
    UserGroupCreate,
    UserGroupDelete,
    UserGroupUpdate,
    data,
)

if TYPE_CHECKING:
    from orgstate.appliers.scim.backend import ScimBackend

HANDLERS: Registry[Outcome] = Registry()
VERIFIERS: Registry[str | None] = Registry()
handles, verifies = HANDLERS, VERIFIERS

# What a SCIM provider cannot hold; plans leave these parts out (planner.holdings), so
# these changes reach the backend only from a plan made for another backend.
CANNOT: dict[type[BaseChange], str] = {
    DepartmentCreate: "hold departments as objects",
    DepartmentUpdate: "hold departments as objects",
    DepartmentDelete: "hold departments as objects",
    SeatAssign: "hold seats",
    SeatRelease: "hold seats",
    MemberRestore: "restore a deleted user",
    ResourcesTransfer: "transfer a leaver's resources",
}


@handles(*CANNOT)
def _cannot(backend: ScimBackend, change: Change) -> Outcome:
    raise TenantError(ErrorKind.RULE, f"{change.address}: a SCIM provider cannot {CANNOT[type(change)]}")


@verifies(*CANNOT)
def _never_applied(backend: ScimBackend, change: Change) -> str | None:
    return f"{change.address}: a SCIM provider cannot {CANNOT[type(change)]}"


def _user(backend: ScimBackend, change: Change) -> Any:
    user = backend.find_user(change.key)
    if user is None:
        raise TenantError(
            ErrorKind.NOT_FOUND,
            f"{change.address}: the provider has no user known as '{change.key}' (externalId, userName)",
        )
    return user


def _group(backend: ScimBackend, group_id: str, address: str) -> Group:
    group = backend.find_group(group_id)
    if group is None:
        raise TenantError(
            ErrorKind.NOT_FOUND, f"{address}: the provider has no group known as '{group_id}' (externalId, displayName)"
        )
    return group


def _managers(backend: ScimBackend, fields: dict[str, Any]) -> dict[str, str]:
    return backend.scim_ids([(fields.get("job") or {}).get("manager")])


@handles(MemberCreate)
def _member_create(backend: ScimBackend, change: MemberCreate) -> Outcome:
    if backend.find_user(change.key) is not None:
        return Outcome.UNCHANGED  # created by an earlier run
    fields = data(change.after)
    user = new_user(backend.user_model(), fields, _managers(backend, fields), backend.discovery.rows)
    backend.api.call(f"creating {change.address}", backend.api.scim.create, user)
    return Outcome.CREATED


@handles(MemberUpdate)
def _member_update(backend: ScimBackend, change: MemberUpdate) -> Outcome:
    user = _user(backend, change)
    current = backend.member_fields(user)
    wanted = data(change.after)
    if not differing(current, wanted):
        return Outcome.UNCHANGED
    fields = apply_patch(current, wanted)
    updated = overlay(user, fields, _managers(backend, fields), backend.discovery.rows)
    backend.api.call(f"updating {change.address}", backend.api.scim.replace, updated)
    return Outcome.UPDATED


@handles(MemberSuspend, MemberResume)
def _member_status(backend: ScimBackend, change: MemberSuspend | MemberResume) -> Outcome:
    user = _user(backend, change)
    active = isinstance(change, MemberResume)
    if (user.active is not False) == active:
        return Outcome.UNCHANGED
    backend.set_active(user, active, f"{'resuming' if active else 'suspending'} {change.address}")
    return Outcome.UPDATED


@handles(MemberDelete)
def _member_delete(backend: ScimBackend, change: MemberDelete) -> Outcome:
    user = backend.find_user(change.key)
    if user is None:
        return Outcome.UNCHANGED  # deleted by an earlier run
    if user.active is not False:
        backend.set_active(user, False, f"deactivating {change.address} before deleting it")
        user = _user(backend, change)  # its new version
    backend.api.call(f"deleting {change.address}", backend.api.scim.delete, user)
    return Outcome.DELETED


@handles(UserGroupCreate)
def _user_group_create(backend: ScimBackend, change: UserGroupCreate) -> Outcome:
    if backend.find_group(change.key) is not None:
        return Outcome.UNCHANGED
    group = Group(external_id=change.key, display_name=change.after.name)
    backend.api.call(f"creating {change.address}", backend.api.scim.create, group)
    return Outcome.CREATED


@handles(UserGroupUpdate)
def _user_group_update(backend: ScimBackend, change: UserGroupUpdate) -> Outcome:
    group = _group(backend, change.key, change.address)
    name = data(change.after).get("name")
    if name is None or group.display_name == name:
        return Outcome.UNCHANGED
    # The externalId too: a group known by its name so far keeps its id once renamed.
    renamed = group.model_copy(update={"display_name": name, "external_id": change.key})
    backend.api.call(f"updating {change.address}", backend.api.scim.replace, renamed)
    return Outcome.UPDATED


@handles(UserGroupDelete)
def _user_group_delete(backend: ScimBackend, change: UserGroupDelete) -> Outcome:
    group = backend.find_group(change.key)
    if group is None:
        return Outcome.UNCHANGED
    backend.api.call(f"deleting {change.address}", backend.api.scim.delete, group)
    return Outcome.DELETED


@handles(GroupMemberAdd, GroupMemberRemove)
def _group_member(backend: ScimBackend, change: GroupMemberAdd | GroupMemberRemove) -> Outcome:
    group_id, member_id = change.target.ids
    group = _group(backend, group_id, change.address)
    user = backend.find_user(member_id)
    adding = isinstance(change, GroupMemberAdd)
    if user is None:
        if adding:
            raise TenantError(ErrorKind.NOT_FOUND, f"{change.address}: the provider has no user '{member_id}'")
        return Outcome.UNCHANGED
    inside = any(m.value == user.id for m in group.members or [])
    if inside == adding:
        return Outcome.UNCHANGED
    what = f"{'adding' if adding else 'removing'} {change.address}"
    if backend.discovery.patch:
        operation: PatchOperation[Group] = (
            PatchOperation(op="add", path="members", value=[GroupMember(value=user.id, type="User")])
            if adding
            else PatchOperation(op="remove", path=f'members[value eq "{user.id}"]')
        )
        backend.api.call(what, backend.api.scim.modify, group, PatchOp[Group](operations=[operation]))
    else:
        members = [m for m in group.members or [] if m.value != user.id]
        if adding:
            members.append(GroupMember(value=user.id, type="User"))
        backend.api.call(what, backend.api.scim.replace, group.model_copy(update={"members": members}))
    return Outcome.UPDATED


# -- checks -------------------------------------------------------------------------------


def _mismatch(current: dict[str, Any] | None, wanted: dict[str, Any], what: str) -> str | None:
    if current is None:
        return f"{what} does not exist"
    left = differing(current, wanted)
    return None if not left else f"{what} differs in {', '.join(sorted(left))}"


@verifies(MemberCreate, MemberUpdate)
def _verify_member(backend: ScimBackend, change: MemberCreate | MemberUpdate) -> str | None:
    user = backend.find_user(change.new_id if isinstance(change, MemberUpdate) else change.key)
    current = None if user is None else backend.member_fields(user)
    return _mismatch(current, data(change.after), change.address)


@verifies(MemberSuspend, MemberResume)
def _verify_status(backend: ScimBackend, change: MemberSuspend | MemberResume) -> str | None:
    user = backend.find_user(change.key)
    wanted = change.after.status
    if user is None or (user.active is False) != (wanted == "suspended"):
        return f"{change.address} is not {wanted}"
    return None


@verifies(MemberDelete)
def _verify_member_gone(backend: ScimBackend, change: MemberDelete) -> str | None:
    return None if backend.find_user(change.key) is None else f"{change.address} still exists"


@verifies(UserGroupCreate, UserGroupUpdate)
def _verify_group(backend: ScimBackend, change: UserGroupCreate | UserGroupUpdate) -> str | None:
    group = backend.find_group(change.key)
    current = None if group is None else {"id": change.key, "name": group.display_name, "description": "", "seat": None}
    return _mismatch(current, data(change.after), change.address)


@verifies(UserGroupDelete)
def _verify_group_gone(backend: ScimBackend, change: UserGroupDelete) -> str | None:
    return None if backend.find_group(change.key) is None else f"{change.address} still exists"


@verifies(GroupMemberAdd, GroupMemberRemove)
def _verify_membership(backend: ScimBackend, change: GroupMemberAdd | GroupMemberRemove) -> str | None:
    group_id, member_id = change.target.ids
    group, user = backend.find_group(group_id), backend.find_user(member_id)
    inside = group is not None and user is not None and any(m.value == user.id for m in group.members or [])
    if inside != isinstance(change, GroupMemberAdd):
        return f"{change.address} is {'not ' if not inside else ''}in place"
    return None
