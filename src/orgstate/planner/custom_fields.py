"""Custom fields against the tenant's own definitions (FIELD-VALUE, live).

orgstate does not create or change field definitions (Organization > Field
Management stays in the console), so a plan checks every value it would send against
the field as the tenant defines it: a value the tenant would refuse fails the plan,
not the apply."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.diagnostics import Diagnostic, error, warning
from orgstate.planner.context import PlanContext
from orgstate.rules.members import value_problem


def check_custom_fields(ctx: PlanContext) -> Iterator[Diagnostic]:
    live = {field.id: field for field in ctx.snapshot.fields}
    for i, declared in enumerate(ctx.config.fields):
        current = live.get(declared.id)
        if current is None:
            message = f"field '{declared.id}' is declared but the tenant has none; create it in Field Management"
            yield warning("FIELD-VALUE", message, at=("fields", i))
        elif current != declared:
            message = (
                f"field '{declared.id}' differs from the tenant's ({current.model_dump(exclude_defaults=True)}); "
                "values are checked against the tenant's, which orgstate does not change"
            )
            yield warning("FIELD-VALUE", message, at=("fields", i))
    for i, member in enumerate(ctx.config.members):
        held = ctx.live_members.get(member.id)
        sent = {k: v for k, v in member.custom.items() if held is None or held.custom.get(k) != v}
        if not sent or ctx.is_ignored("members", member.id):
            continue  # the tenant holds these values already (or the member is left alone)
        for field_id, value in sent.items():
            current = live.get(field_id)
            problem = f"the tenant has no field '{field_id}'" if current is None else value_problem(current, value)
            if problem is not None:
                yield error(
                    "FIELD-VALUE",
                    f"{problem} (live)",
                    at=("members", i, "custom", field_id),
                    address=f"member.{member.id}",
                )
