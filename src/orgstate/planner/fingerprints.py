"""Digests that bind a saved plan to what it was computed from: the configuration,
the whole snapshot, and each live object a change touches or depends on (stale-plan
protection)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from orgstate.model.live import TenantState
from orgstate.planner.changes import (
    Address,
    Change,
    DepartmentCreate,
    DepartmentDelete,
    DepartmentUpdate,
    GroupMemberAdd,
    MemberCreate,
    MemberRestore,
    MemberUpdate,
    ResourcesTransfer,
)
from orgstate.planner.context import LiveIndex

ABSENT = "absent"


def digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def bytes_digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(hashlib.sha256(part).digest())
    return "sha256:" + hasher.hexdigest()


def state_digest(snapshot: TenantState) -> str:
    return "sha256:" + hashlib.sha256(snapshot.model_dump_json().encode()).hexdigest()


# A fingerprint of what a department holds (its members and sub-departments), which a
# deletion depends on, is keyed by the department's address and this suffix.
CONTENTS = "#contents"


def reads(change: Change) -> list[str]:
    """The fingerprint keys of what a change touches and depends on: its target, and the
    live objects its payload names (a parent, a manager, a group, a recipient) or needs
    as they are (a department to delete is empty)."""
    keys = [change.address]
    if isinstance(change, DepartmentDelete):
        keys.append(change.address + CONTENTS)
    elif isinstance(change, GroupMemberAdd):
        keys += [str(Address.of("user_group", change.after.group)), str(Address.of("member", change.after.member))]
    elif isinstance(change, ResourcesTransfer):
        keys += [str(Address.of("member", item.to)) for item in change.after.values() if item.to is not None]
    elif isinstance(change, DepartmentCreate | DepartmentUpdate | MemberCreate | MemberUpdate | MemberRestore):
        if isinstance(change, MemberUpdate) and change.new_id != change.key:
            keys.append(str(Address.of("member", change.new_id)))
        payload = change.after_data() or {}
        job = payload.get("job") or {}
        departments = [payload.get("department"), payload.get("parent"), *(payload.get("departments") or ())]
        members = [payload.get("leader"), job.get("manager"), *(job.get("dotted_line_managers") or ())]
        keys += [str(Address.of("department", d)) for d in departments if d]
        keys += [str(Address.of("member", m)) for m in members if m]
    return list(dict.fromkeys(keys))


def untouched(keys: set[str], started: list[Change]) -> set[str]:
    """The keys no started change may have changed, directly or through the tenant's rules
    (a seated group seats its members; a member's moves change what departments hold).
    Conservative: a key that shares an object with a started change is left out."""
    if not started:
        return keys
    ids = {part for change in started for key in reads(change) for part in named_objects(key)}
    kinds = {change.type for change in started}
    kept = set()
    for key in keys:
        if named_objects(key) & ids:
            continue
        if key.endswith(CONTENTS) and kinds & {"member", "department"}:
            continue
        if key.startswith("seat.") and kinds & {"user_group", "group_member"}:
            continue
        kept.add(key)
    return kept


def named_objects(key: str) -> set[tuple[str, str]]:
    """The objects a key names: (kind, id), members under every address type that holds one."""
    address = Address.parse(key.removesuffix(CONTENTS))
    if address.type == "group_member":
        return {("user_group", address.ids[0]), ("member", address.ids[1])}
    kind = "member" if address.type in ("member", "seat", "resources") else address.type
    return {(kind, address.id)}


def live_object(ctx: LiveIndex, key: str) -> Any:
    """The live object a fingerprint key names, as the plan saw it (None when there is none)."""
    if key.endswith(CONTENTS):
        return ctx.department_contents(Address.parse(key.removesuffix(CONTENTS)).id)
    address = Address.parse(key)
    kind, object_id = address.type, address.id
    if kind in ("member", "resources"):
        member = ctx.live_members.get(object_id) or ctx.deleted_members.get(object_id)
        if member is None:
            return None
        return member.resources.model_dump() if kind == "resources" else member.model_dump(mode="json")
    if kind == "department":
        department = ctx.live_departments.get(object_id)
        return None if department is None else department.model_dump(mode="json")
    if kind == "user_group":
        group = ctx.live_groups.get(object_id)
        return None if group is None else group.model_dump(mode="json")
    if kind == "group_member":
        group = ctx.live_groups.get(address.ids[0])
        return group is not None and object_id in group.members
    if kind == "seat":
        member = ctx.live_members.get(object_id)
        return None if member is None else member.seat
    raise ValueError(f"no live object kind for {key}")


def fingerprints(ctx: LiveIndex, changes: tuple[Change, ...]) -> dict[str, str]:
    return {key: fingerprint(ctx, key) for change in changes for key in reads(change)}


def fingerprint(ctx: LiveIndex, key: str) -> str:
    value = live_object(ctx, key)
    if value is None:
        return ABSENT
    version = ctx.snapshot.versions.get(key)
    return digest(value if version is None else {"object": value, "version": version})
