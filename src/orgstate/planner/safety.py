"""Removal limits (REMOVAL-LIMIT) and the tenant's edit lock after a downgrade."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error
from orgstate.lark.editions import DOWNGRADED_MEMBER_LIMIT
from orgstate.planner.context import PlanContext
from orgstate.planner.drafts import Drafts

# (type, action) of every destructive change -> the kind of object it removes.
DESTRUCTIVE = {
    ("member", "delete"): "members",
    ("member", "suspend"): "members",
    ("user_group", "delete"): "user groups",
    ("department", "delete"): "departments",
    ("seat", "release"): "seats",
    ("group_member", "remove"): "group memberships",
}


def removals(ctx: PlanContext, drafts: Drafts) -> dict[str, set[str]]:
    """Kind -> the live objects the plan removes (a member suspended then deleted counts
    once; a member the plan brings in suspended removes nothing)."""
    found: dict[str, set[str]] = defaultdict(set)
    for draft in drafts.items.values():
        kind = DESTRUCTIVE.get((draft.type, draft.action))
        if kind is not None and not (kind == "members" and draft.address.split(".", 1)[1] in ctx.arriving):
            found[kind].add(draft.address)
    return found


def managed(ctx: PlanContext) -> dict[str, int]:
    """How many live objects of each kind the configuration manages: what the removal
    ratio divides by (ignored objects would only dilute the limit)."""
    members = [m for m in ctx.live_members.values() if not ctx.is_ignored("members", m.id)]
    groups = [g for g in ctx.live_groups.values() if not ctx.is_ignored("user_groups", g.id)]
    return {
        "members": len(members),
        "user groups": len(groups),
        "departments": sum(1 for d in ctx.live_departments if not ctx.is_ignored("departments", d)),
        "seats": sum(1 for m in members if m.seat is not None),
        "group memberships": sum(len(g.members) for g in groups),
    }


def check_removals(ctx: PlanContext, drafts: Drafts) -> Iterator[Diagnostic]:
    found = removals(ctx, drafts)
    total = sum(len(objects) for objects in found.values())
    if not total:
        return
    detail = ", ".join(f"{len(objects)} {kind}" for kind, objects in sorted(found.items()))
    allowed = ctx.options.allow_removals
    if allowed is not None:
        if total > allowed:
            yield error(
                RuleId.REMOVAL_LIMIT,
                f"the plan removes {total} objects ({detail}), more than --allow-removals {allowed}",
            )
        return
    policy = ctx.config.policy.removal
    if total > policy.max_removals:
        yield error(
            RuleId.REMOVAL_LIMIT,
            f"the plan removes {total} objects ({detail}); policy.removal.max_removals is "
            f"{policy.max_removals}: review them and pass --allow-removals {total}",
        )
    sizes = managed(ctx)
    for kind, objects in sorted(found.items()):
        share = len(objects) / sizes[kind] if sizes[kind] else 1.0
        if share > policy.max_removal_ratio:
            yield error(
                RuleId.REMOVAL_LIMIT,
                f"the plan removes {len(objects)} of {sizes[kind]} {kind} ({share:.0%}); "
                f"policy.removal.max_removal_ratio is {policy.max_removal_ratio:.0%}: review them and pass "
                f"--allow-removals {total}",
            )


def check_edit_lock(ctx: PlanContext, drafts: Drafts) -> Iterator[Diagnostic]:
    """ "For organizations with more than 20 members, ... administrators will not be able to
    edit members' basic information" once every paid plan has expired."""
    if not ctx.is_downgraded or len(ctx.live_members) <= DOWNGRADED_MEMBER_LIMIT:
        return
    edits = sorted(
        d.address for d in drafts.items.values() if d.type == "member" and d.action in ("create", "update", "restore")
    )
    if edits:
        yield error(
            RuleId.DOWNGRADE_EDIT_LOCK,
            f"every paid plan has expired and the tenant has {len(ctx.live_members)} "
            f"members: Lark refuses member edits ({len(edits)} planned, e.g. {edits[0]})",
        )
