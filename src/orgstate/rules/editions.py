"""Lark's editions: STARTER-NO-SEATS, STARTER-MEMBER-LIMIT, INVITE-APPROVAL-MULTIPLAN."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, DocPath, error
from orgstate.lark.editions import STARTER_MEMBER_LIMIT
from orgstate.rules.context import RuleContext, first_occurrences


def seat_references(ctx: RuleContext) -> Iterator[tuple[str, DocPath]]:
    """(plan id, where) for every place that assigns seats of a plan."""
    for i, member in first_occurrences(ctx.config.members, ctx.members):
        if member.seat is not None:
            yield member.seat, ("members", i, "seat")
    for i, group in first_occurrences(ctx.config.user_groups, ctx.groups):
        if group.seat is not None:
            yield group.seat, ("user_groups", i, "seat")
    for i, rule in enumerate(ctx.config.seat_assignments):
        yield rule.plan, ("seat_assignments", i, "plan")


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    plans = ctx.config.org.plans
    starter = {plan.id for plan in plans if not plan.is_paid}
    for plan_id, at in seat_references(ctx):
        if plan_id in starter:
            # "The Lark Starter plan ... doesn't support purchasing more and assigning seats."
            yield error(RuleId.STARTER_NO_SEATS, f"'{plan_id}' is a Starter plan, which cannot assign seats", at=at)
    paid = [plan for _, plan in first_occurrences(plans, ctx.plans) if plan.is_paid]
    members = len(ctx.members)
    if not paid and members > STARTER_MEMBER_LIMIT:
        yield error(
            RuleId.STARTER_MEMBER_LIMIT,
            f"{members} members declared; an organization on Starter has at most {STARTER_MEMBER_LIMIT}",
            at=("members", STARTER_MEMBER_LIMIT),
        )
    if len(paid) > 1 and not ctx.config.policy.invitations.require_approval:
        # "It's mandatory for organizations on multiple plans to require administrator approvals upon invitation."
        yield error(
            RuleId.INVITE_APPROVAL_MULTIPLAN,
            f"{len(paid)} paid plans are declared, so invitations must require approval",
            at=("policy", "invitations", "require_approval"),
        )
