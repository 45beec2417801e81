"""Departments: creates (parents first), updates, leaders set once they exist, and
deletions (children first, only when empty)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error
from orgstate.planner.context import PlanContext
from orgstate.planner.drafts import Draft, Drafts, Phase, key

if TYPE_CHECKING:  # differences compare members, whose planning needs this module
    from orgstate.planner.differences import Differences


def member_arrival(ctx: PlanContext, member_id: str | None) -> str | None:
    """The key of the change that brings a member into the tenant, if the plan brings them."""
    if member_id is None or member_id not in ctx.arriving:
        return None
    return key("member", ctx.arriving[member_id], f"member.{member_id}")


def department_arrival(ctx: PlanContext, department_id: str | None) -> str | None:
    if department_id is None or department_id not in ctx.new_departments:
        return None
    return key("department", "create", f"department.{department_id}")


def plan_departments(ctx: PlanContext, drafts: Drafts, differences: Differences) -> Iterator[Diagnostic]:
    for department in ctx.config.departments:
        if ctx.is_ignored("departments", department.id):
            continue
        address = f"department.{department.id}"
        wanted = department.model_dump(mode="json")
        leader = department.leader
        arrives = member_arrival(ctx, leader)
        if arrives is not None:
            wanted["leader"] = None  # set once the leader exists (Phase.LEADERS)
        live = ctx.live_departments.get(department.id)
        needs = tuple(filter(None, (department_arrival(ctx, department.parent),)))
        rank = (ctx.department_depth(department.id),)
        if live is None:
            drafts.add(
                Draft(
                    Phase.DEPARTMENTS,
                    "department",
                    "create",
                    address,
                    after=wanted,
                    reason="declared, not live",
                    rank=rank,
                    needs=needs,
                )
            )
        else:
            difference = differences.of(address)
            if arrives is not None:
                difference = difference.without({"leader"})
            if difference:
                drafts.add(
                    Draft(
                        Phase.DEPARTMENTS,
                        "department",
                        "update",
                        address,
                        before=difference.before,
                        after=difference.after,
                        fields=difference.fields,
                        reason="changed",
                        rank=rank,
                        needs=needs,
                    )
                )
        if arrives is not None:
            current = live.leader if live is not None else None
            drafts.add(
                Draft(
                    Phase.LEADERS,
                    "department",
                    "update",
                    address,
                    before={"leader": current},
                    after={"leader": leader},
                    fields=("leader",),
                    reason="leader arrives in this plan",
                    needs=(arrives, *needs),
                )
            )
    yield from _deletions(ctx, drafts, differences)


def _deletions(ctx: PlanContext, drafts: Drafts, differences: Differences) -> Iterator[Diagnostic]:
    if not ctx.is_authoritative("departments"):
        return
    doomed = [d for d in ctx.snapshot.departments if f"department.{d.id}" in differences.unmanaged]
    if not doomed:
        return
    doomed_ids = {d.id for d in doomed}
    final, before = _membership(ctx)
    for department in doomed:
        address = f"department.{department.id}"
        remaining = final.get(department.id, [])
        children = [d.id for d in ctx.snapshot.departments if d.parent == department.id and d.id not in doomed_ids]
        children += [d.id for d in ctx.config.departments if d.parent == department.id]
        if remaining or children:
            what = f"members {', '.join(remaining[:5])}" if remaining else f"sub-departments {', '.join(children[:5])}"
            yield error(
                RuleId.DEPT_NOT_EMPTY,
                f"department '{department.id}' is not declared but still has {what}; "
                "move them or declare the department",
                address=address,
            )
            continue
        needs = [
            key("department", "delete", f"department.{d.id}")
            for d in ctx.snapshot.departments
            if d.parent == department.id
        ]
        for member_id in before.get(department.id, []):
            needs += [key("member", "update", f"member.{member_id}"), key("member", "delete", f"member.{member_id}")]
        drafts.add(
            Draft(
                Phase.REMOVALS,
                "department",
                "delete",
                address,
                before=department.model_dump(mode="json"),
                reason="live, not declared",
                irreversible=True,
                rank=(1, -ctx.department_depth(department.id)),
                needs=tuple(needs),
            )
        )


def _membership(ctx: PlanContext) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Department -> its members after the plan, and before it."""
    after: dict[str, list[str]] = {}
    before: dict[str, list[str]] = {}
    deleting = ctx.config.policy.removal.action == "delete"
    for member in ctx.live_members.values():
        for department in (member.member.department, *member.member.departments):
            before.setdefault(department, []).append(member.id)
        desired = ctx.desired_members.get(member.id)
        if desired is not None:
            departments = (desired.department, *desired.departments)
        elif member.id in ctx.leaving and deleting:
            continue
        else:
            departments = (member.member.department, *member.member.departments)
        for department in departments:
            after.setdefault(department, []).append(member.id)
    return after, before
