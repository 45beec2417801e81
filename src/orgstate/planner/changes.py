"""The operations a plan is made of: plain data that never imports a backend.

A `Change` is one (type, action) of the closed set of SPEC section 5, with its
address, `before` and `after`. Invariants: a create has no `before`, a delete has no
`after`; `reason` is for display and never branched on when applying.

Payloads, by type:
- department: the Department's fields (update: only those that change).
- member: the Member's fields, `seat` being the resolved plan (update: only those
  that change; `job` and `custom` hold only their changed keys); restore: after =
  {department, departments, seat}; suspend, resume, delete: no payload.
- user_group: {id, name, description, seat}.
- group_member: {group, member}.
- seat: {member, plan}.
- resources (transfer): {<transfer type>: {to, count, default, outcome, retain}},
  transfer types as in the configuration's `offboarding.transfer`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

ChangeType = Literal["department", "member", "user_group", "group_member", "seat", "resources"]
Action = Literal[
    "create", "update", "delete", "suspend", "resume", "restore", "add", "remove", "assign", "release", "transfer"
]
ACTIONS: dict[str, tuple[str, ...]] = {
    "department": ("create", "update", "delete"),
    "member": ("create", "update", "suspend", "resume", "delete", "restore"),
    "user_group": ("create", "update", "delete"),
    "group_member": ("add", "remove"),
    "seat": ("assign", "release"),
    "resources": ("transfer",),
}


class Change(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    type: ChangeType
    action: Action
    address: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: tuple[str, ...] = ()
    reason: str = ""
    depends_on: tuple[str, ...] = ()
    irreversible: bool = False

    @model_validator(mode="after")
    def _invariants(self) -> Change:
        if self.action not in ACTIONS[self.type]:
            raise ValueError(f"{self.type} has no action '{self.action}'")
        if self.action == "create" and self.before is not None:
            raise ValueError("a create has no 'before'")
        if self.action == "delete" and self.after is not None:
            raise ValueError("a delete has no 'after'")
        return self

    @property
    def key(self) -> str:
        """`address` without its type: the object's id (or `group.member`)."""
        return self.address.split(".", 1)[1]
