"""build_plan: the configuration and a live snapshot in, a reviewable plan out.

Pure and deterministic: the same configuration, snapshot and options give the same
plan (but for `created_at`). The steps each own one concern and add drafts; ordering
numbers them last."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Sequence

from orgstate.catalogue import RuleId
from orgstate.config.sources import Sources
from orgstate.diagnostics import Diagnostic, DocPath
from orgstate.gcpause import gc_paused
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.capabilities import check_capabilities
from orgstate.planner.capacity import schedule
from orgstate.planner.context import LiveIndex, PlanContext, PlanOptions
from orgstate.planner.custom_fields import check_custom_fields
from orgstate.planner.departments import plan_departments
from orgstate.planner.differences import find_differences
from orgstate.planner.drafts import Drafts, number_drafts
from orgstate.planner.fingerprints import digest, fingerprints, state_digest
from orgstate.planner.groups import plan_groups
from orgstate.planner.live_seats import resolve_live, seat_uses
from orgstate.planner.members import plan_members
from orgstate.planner.offboarding import plan_offboarding
from orgstate.planner.plan import Plan
from orgstate.planner.renames import renamed_context, replacements, wait_for_renames
from orgstate.planner.safety import check_edit_lock, check_removals
from orgstate.planner.seat_changes import plan_seat_changes
from orgstate.planner.targets import (
    about_targeted,
    kept_objects,
    parse_targets,
    select,
    target_objects,
    targeted_seat_uses,
)
from orgstate.rules.context import RuleContext

SECTIONS = {"member": "members", "department": "departments", "user_group": "user_groups"}


@gc_paused
def build_plan(
    config: OrgConfig,
    snapshot: TenantState,
    options: PlanOptions | None = None,
    sources: Sources | None = None,
    config_digest: str | None = None,
    snapshot_digest: str | None = None,
    rules: RuleContext | None = None,
    targets: Sequence[str] = (),
) -> Plan:
    """`rules`: the context `check_static` used, to reuse its seat resolution; `targets`:
    addresses to plan alone, with what they depend on (planner/targets.py)."""
    ctx = renamed_context(config, snapshot, options or PlanOptions())
    chosen = parse_targets(targets, ctx)
    drafts = Drafts()
    # Seats resolved from the configuration compared, which may leave some out (planner.holdings).
    if ctx.declared is not None:
        rules = RuleContext(ctx.config, sources)
    seating, diagnostics = resolve_live(ctx, (rules or RuleContext(config, sources)).static_seats)
    differences = find_differences(ctx, seating.final)
    diagnostics.extend(plan_departments(ctx, drafts, differences))
    diagnostics.extend(plan_members(ctx, drafts, differences))
    diagnostics.extend(plan_offboarding(ctx, drafts))
    plan_groups(ctx, drafts, differences)
    diagnostics.extend(plan_seat_changes(ctx, drafts, seating))
    diagnostics.extend(check_edit_lock(ctx, drafts))
    diagnostics.extend(check_custom_fields(ctx, drafts))
    diagnostics.extend(check_capabilities(ctx))
    diagnostics.extend(replacements(drafts))
    wait_for_renames(drafts, ctx.renames)
    if chosen:
        drafts = select(drafts, target_objects(chosen))
        kept = kept_objects(drafts) | target_objects(chosen)
        diagnostics = [d for d in diagnostics if about_targeted(d, kept)]
    diagnostics.extend(check_removals(ctx, drafts))
    scheduled = schedule(ctx, drafts)
    overfull = {d.address for d in diagnostics if d.rule == RuleId.SEAT_CAPACITY and d.is_error}
    diagnostics.extend(d for d in scheduled.diagnostics if d.address not in overfull)  # no step fits a full end
    changes = number_drafts(scheduled.order, scheduled.freed_by)
    located = [_declared_at(ctx, d) for d in diagnostics]
    placed = sources.place(located) if sources is not None else located
    return Plan(
        id=ctx.options.plan_id or new_plan_id(),
        backend=ctx.options.backend,
        config_digest=config_digest or digest(config.model_dump(mode="json")),
        state_digest=snapshot_digest or state_digest(snapshot),
        created_at=ctx.options.created_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        changes=changes,
        seats=tuple(targeted_seat_uses(ctx, scheduled.order, seating.left_out) if chosen else seat_uses(ctx, seating)),
        diagnostics=tuple(sorted(placed, key=lambda d: (d.sort_key()[3], d.rule, d.address or "", d.message))),
        # Of the tenant as read (apply's stale check reads it so), not of a view of it.
        fingerprints=fingerprints(LiveIndex(snapshot) if ctx.renames or ctx.declared else ctx, changes),
        ignored=differences.ignored,
        targets=tuple(str(address) for address in chosen),
    )


def new_plan_id() -> str:
    return "plan-" + secrets.token_hex(10)


def _declared_at(ctx: PlanContext, diagnostic: Diagnostic) -> Diagnostic:
    """Point a live diagnostic at the declaration of its object, when there is one."""
    if diagnostic.at is not None or diagnostic.address is None:
        return diagnostic
    kind, _, object_id = diagnostic.address.partition(".")
    path: DocPath | None = None
    if kind in SECTIONS:
        index = ctx.declared_index(SECTIONS[kind]).get(object_id)
        path = None if index is None else (SECTIONS[kind], index)
        if path is None and kind == "member":
            entry = ctx.declared_index("offboarding").get(object_id)
            path = None if entry is None else ("offboarding", entry)
    elif kind == "plan":
        index = ctx.declared_index("plans").get(object_id)
        path = None if index is None else ("org", "plans", index)
    return diagnostic if path is None else dataclasses.replace(diagnostic, at=path)
