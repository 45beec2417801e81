"""Digests that bind a saved plan to what it was computed from: the configuration,
the whole snapshot, and each live object a change touches (stale-plan protection)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from orgstate.model.live import TenantState
from orgstate.planner.changes import Address, Change
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


def live_object(ctx: LiveIndex, address: Address) -> Any:
    """The live object at an address, as the plan saw it (None when there is none)."""
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
    raise ValueError(f"no live object kind for {address}")


def fingerprints(ctx: LiveIndex, changes: tuple[Change, ...]) -> dict[str, str]:
    return {change.address: fingerprint(ctx, change.target) for change in changes}


def fingerprint(ctx: LiveIndex, address: Address) -> str:
    value = live_object(ctx, address)
    return ABSENT if value is None else digest(value)
