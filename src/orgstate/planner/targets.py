"""Targeted plans (`plan --target ADDRESS`): only the changes of the named objects and
what they depend on, as Terraform's -target.

A change concerns an object when its address names it (`seat.alice`, `resources.alice`
and `group_member.<group>/alice` name member alice; `group_member.admins/<member>` names
user group admins). A targeted plan keeps the drafts that concern a target and, through
their `needs`, everything those must come after (a department or manager arriving, a
rename, the member a membership adds). Capacity is then checked for those changes
alone against the live tenant, as they are all that apply runs: a targeted change that
needs a seat only an untargeted change frees is a SEAT-CAPACITY error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic
from orgstate.errors import UsageError
from orgstate.planner.capacity import SeatModel
from orgstate.planner.changes import Address
from orgstate.planner.context import PlanContext
from orgstate.planner.drafts import Draft, Drafts
from orgstate.planner.fingerprints import named_objects
from orgstate.planner.plan import SeatUse
from orgstate.suggest import did_you_mean

# The kinds of object a target may name.
TARGET_TYPES = ("member", "department", "user_group")

ObjectRef = tuple[str, str]


def known_addresses(ctx: PlanContext) -> set[str]:
    """Every object a target may name: declared or live, members also deleted or offboarded."""
    ids = {
        "member": {*ctx.desired_members, *ctx.live_members, *ctx.deleted_members, *ctx.offboarding_entries},
        "department": {*ctx.desired_departments, *ctx.live_departments},
        "user_group": {*ctx.desired_groups, *ctx.live_groups},
    }
    return {str(Address.of(kind, object_id)) for kind, found in ids.items() for object_id in found}


def parse_targets(texts: Sequence[str], ctx: PlanContext, given_as: str = "--target") -> tuple[Address, ...]:
    """The targets as addresses, sorted and once each; an address of another kind, or of
    an object neither declared nor live, is a UsageError (naming what gave it) with a
    did-you-mean."""
    if not texts:  # the usual plan: spare it the list of every address
        return ()
    known = known_addresses(ctx)
    found: set[Address] = set()
    for text in texts:
        try:
            address = Address.parse(text)
        except ValueError:
            address = None
        if address is None or address.type not in TARGET_TYPES:
            raise UsageError(f"{given_as} '{text}' is not an address of the form {', '.join(TARGET_TYPES)}.<id>")
        if text not in known:
            raise UsageError(
                f"{given_as} '{text}': no such {address.type} is declared or live{did_you_mean(text, known)}"
            )
        found.add(address)
    return tuple(sorted(found))


def concerns(address: str, targets: Collection[ObjectRef]) -> bool:
    """Whether a change or diagnostic address names one of the target objects."""
    return bool(named_objects(address) & set(targets))


def target_objects(targets: Iterable[Address]) -> set[ObjectRef]:
    return {(address.type, address.id) for address in targets}


def select(drafts: Drafts, targets: Collection[ObjectRef]) -> Drafts:
    """The drafts that concern a target, and those they need (transitively)."""
    pending = [key for key, draft in drafts.items.items() if concerns(draft.address, targets)]
    kept: set[str] = set()
    while pending:
        draft_key = pending.pop()
        if draft_key in kept or draft_key not in drafts:
            continue
        kept.add(draft_key)
        draft = drafts.items[draft_key]
        pending.extend((*draft.needs, *([draft.follows] if draft.follows else [])))
    return Drafts({key: draft for key, draft in drafts.items.items() if key in kept})


def about_targeted(diagnostic: Diagnostic, kept: Collection[ObjectRef]) -> bool:
    """Whether a diagnostic of the whole planning belongs in a targeted plan: those about
    the objects it changes, and those about no object; the whole configuration's seat
    capacity is left to the walk over the targeted changes."""
    if diagnostic.address is None:
        return True
    try:
        named = named_objects(diagnostic.address)
    except ValueError:  # plan.<id>, about a subscription
        return diagnostic.rule != RuleId.SEAT_CAPACITY
    return bool(named & set(kept))


def kept_objects(drafts: Drafts) -> set[ObjectRef]:
    return {ref for draft in drafts.items.values() for ref in named_objects(draft.address)}


def targeted_seat_uses(ctx: PlanContext, order: list[Draft], left_out: dict[str, tuple[str, ...]]) -> list[SeatUse]:
    """Per live plan: seats held now and after the targeted changes alone."""
    model = SeatModel.of(ctx)
    before = Counter(model.used)
    model.attempt(order)
    model.keep()
    members = {ref[1] for draft in order for ref in named_objects(draft.address) if ref[0] == "member"}
    return [
        SeatUse(
            plan.id,
            plan.seats,
            before[plan.id],
            model.used[plan.id],
            tuple(m for m in left_out.get(plan.id, ()) if m in members),
        )
        for plan in ctx.snapshot.org.plans
    ]
