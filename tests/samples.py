"""Changes built directly, one valid instance of every (type, action), for testing
renderers, backends and the plan file in isolation."""

from __future__ import annotations

from typing import Any

from orgstate.planner.changes import Change, change_from


def change(type_: str, action: str, address: str, number: int = 1, **fields: Any) -> Change:
    """A change from its plain parts, validated as a plan file's would be."""
    return change_from({"id": f"c{number:04d}", "type": type_, "action": action, "address": address, **fields})


ONE_OF_EACH: tuple[Change, ...] = (
    change("department", "create", "department.eng", after={"id": "eng", "name": "Engineering"}),
    change("department", "update", "department.ops", before={"name": "Op"}, after={"name": "Ops"}, fields=("name",)),
    change("department", "delete", "department.qa", before={"id": "qa", "name": "QA"}, irreversible=True),
    change("member", "create", "member.ann", after={"id": "ann", "name": "Ann", "department": "eng"}),
    change(
        "member",
        "update",
        "member.bo",
        before={"phone": "+15550100001"},
        after={"phone": "+15550100002"},
        fields=("phone",),
    ),
    change("member", "suspend", "member.cy", before={"status": "active"}, after={"status": "suspended"}),
    change("member", "resume", "member.di", before={"status": "suspended"}, after={"status": "active"}),
    change("member", "restore", "member.ed", after={"department": "eng", "departments": []}),
    change("member", "delete", "member.fi", before={"id": "fi", "name": "Fi", "department": "eng"}, irreversible=True),
    change("user_group", "create", "user_group.ops", after={"id": "ops", "name": "Ops"}),
    change("user_group", "update", "user_group.web", before={"seat": None}, after={"seat": "pro"}, fields=("seat",)),
    change("user_group", "delete", "user_group.old", before={"id": "old", "name": "Old"}, irreversible=True),
    change("group_member", "add", "group_member.ops/ann", after={"group": "ops", "member": "ann"}),
    change("group_member", "remove", "group_member.old/bo", before={"group": "old", "member": "bo"}),
    change("seat", "assign", "seat.ann", after={"member": "ann", "plan": "pro"}),
    change("seat", "release", "seat.fi", before={"member": "fi", "plan": "pro"}),
    change(
        "resources",
        "transfer",
        "resources.fi",
        after={"docs": {"to": "ann", "count": 2, "default": False, "outcome": "transferred"}},
        irreversible=True,
    ),
)
