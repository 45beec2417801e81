"""Custom fields against the tenant's own definitions (FIELD-VALUE, live).

orgstate does not create or change field definitions (Organization > Field
Management stays in the console), so a plan checks every value it would send against
the field as the tenant defines it: a value the tenant would refuse fails the plan,
not the apply."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error, warning
from orgstate.planner.context import PlanContext
from orgstate.planner.drafts import Drafts
from orgstate.rules.members import value_problem


def check_custom_fields(ctx: PlanContext, drafts: Drafts) -> Iterator[Diagnostic]:
    """Declared definitions against the tenant's, and every value a member change sends."""
    live = {field.id: field for field in ctx.snapshot.fields}
    for i, declared in enumerate(ctx.config.fields):
        current = live.get(declared.id)
        if current is None:
            message = f"field '{declared.id}' is declared but the tenant has none; create it in Field Management"
            yield warning(RuleId.FIELD_VALUE, message, at=("fields", i))
        elif current != declared:
            message = (
                f"field '{declared.id}' differs from the tenant's ({current.model_dump(exclude_defaults=True)}); "
                "values are checked against the tenant's, which orgstate does not change"
            )
            yield warning(RuleId.FIELD_VALUE, message, at=("fields", i))
    members = ctx.declared_index("members")
    for draft in drafts.items.values():
        if draft.type != "member" or not (draft.after and draft.after.get("custom")):
            continue
        member_id = draft.after.get("id") or draft.address.split(".", 1)[1]
        for field_id, value in draft.after["custom"].items():
            if value is None:
                continue  # a value removed
            current = live.get(field_id)
            problem = f"the tenant has no field '{field_id}'" if current is None else value_problem(current, value)
            if problem is not None:
                at = ("members", members[member_id], "custom", field_id)
                yield error(RuleId.FIELD_VALUE, f"{problem} (live)", at=at, address=f"member.{member_id}")
