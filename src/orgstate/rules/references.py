"""REF-UNKNOWN: every reference names a declared member, department, group, plan or field."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, DocPath, error
from orgstate.rules.context import RuleContext, first_occurrences

# The section that holds what each kind of reference names.
SECTION_OF = {"department": "departments", "member": "members", "field": "fields", "plan": "plans"}


def _unknown(ctx: RuleContext, kind: str, value: str, known: dict[str, int], at: DocPath) -> Diagnostic:
    return error(RuleId.REF_UNKNOWN, f"unknown {kind} '{value}'{ctx.suggest(value, known)}", at=at)


def _references(ctx: RuleContext) -> Iterator[tuple[str, str | None, dict[str, int], DocPath]]:
    """(kind, referenced id, index to find it in, where) for every reference."""
    config = ctx.config
    for i, department in first_occurrences(config.departments, ctx.departments):
        yield "department", department.parent, ctx.departments, ("departments", i, "parent")
        yield "member", department.leader, ctx.members, ("departments", i, "leader")
    for i, member in first_occurrences(config.members, ctx.members):
        yield "department", member.department, ctx.departments, ("members", i, "department")
        for j, extra in enumerate(member.departments):
            yield "department", extra, ctx.departments, ("members", i, "departments", j)
        yield "member", member.job.manager, ctx.members, ("members", i, "job", "manager")
        for j, dotted in enumerate(member.job.dotted_line_managers):
            yield "member", dotted, ctx.members, ("members", i, "job", "dotted_line_managers", j)
        for field_id in member.custom:
            yield "field", field_id, ctx.fields, ("members", i, "custom", field_id)
        yield "plan", member.seat, ctx.plans, ("members", i, "seat")
    for i, group in first_occurrences(config.user_groups, ctx.groups):
        for j, member_id in enumerate(group.members):
            yield "member", member_id, ctx.members, ("user_groups", i, "members", j)
        yield "plan", group.seat, ctx.plans, ("user_groups", i, "seat")
    for i, rule in enumerate(config.seat_assignments):
        yield "plan", rule.plan, ctx.plans, ("seat_assignments", i, "plan")
        yield "plan", rule.from_plan, ctx.plans, ("seat_assignments", i, "from_plan")
        for j, department_id in enumerate(rule.departments or ()):
            yield "department", department_id, ctx.departments, ("seat_assignments", i, "departments", j)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for kind, value, known, at in _references(ctx):
        if value is not None and value not in known and not ctx.is_unchecked(SECTION_OF[kind], value):
            yield _unknown(ctx, kind, value, known, at)
