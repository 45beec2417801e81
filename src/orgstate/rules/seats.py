"""Seats against the declared plans: SEAT-AMBIGUOUS, SEAT-CAPACITY and the
`from_file` seat lists (an unknown file or row is REF-UNKNOWN)."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.config.seatfile import SeatFileRow, read_seat_file
from orgstate.diagnostics import Diagnostic, clip, error, warning
from orgstate.errors import ConfigError
from orgstate.model.config import OrgConfig, Subscription
from orgstate.planner.seats import SeatResolution, members_in_departments, resolve_seats
from orgstate.rules.context import RuleContext

LISTED_MEMBERS = 10  # names shown in a message before "and N more"


def _contact_index(config: OrgConfig) -> dict[str, str]:
    """Email (case-folded) or phone -> member id, as the console matches seat files."""
    index: dict[str, str] = {}
    for member in config.members:
        for value in (member.work_email, member.business_email, member.phone):
            if value is not None:
                index.setdefault(value.casefold(), member.id)
    return index


def _seat_file(ctx: RuleContext, i: int, name: str) -> tuple[set[str], list[Diagnostic]]:
    """The members a seat list names, and the problems with the file."""
    at = ("seat_assignments", i, "from_file")
    path, shown = ctx.relative_file(at, name)
    if path is None:
        message = f"from_file '{clip(name)}' leaves the configuration's directory: a seat list must be inside it"
        return set(), [error("CFG-SCHEMA", message, at=at)]
    if not path.is_file():
        return set(), [error("REF-UNKNOWN", f"unknown file '{clip(name)}' (looked for {clip(shown)})", at=at)]
    try:
        rows = read_seat_file(path)
    except (ConfigError, UnicodeDecodeError, OSError) as exc:
        return set(), [error("CFG-SCHEMA", f"cannot read seat list {shown}: {exc}", at=at)]
    contacts = _contact_index(ctx.config)
    covered, problems = set(), []
    for row in rows:
        member_id = _match(row, contacts)
        if member_id is None:
            problems.append(
                error(
                    "REF-UNKNOWN",
                    f"no declared member has the email or phone '{clip(row.label)}'",
                    file=shown,
                    line=row.line,
                    column=1,
                    address=f"seat_assignments[{i}]",
                    path=ctx.field_path(at),
                )
            )
        else:
            covered.add(member_id)
    return covered, problems


def _match(row: SeatFileRow, contacts: dict[str, str]) -> str | None:
    for value in (row.email, row.phone):
        if value is not None and value.casefold() in contacts:
            return contacts[value.casefold()]
    return None


def rule_coverage(ctx: RuleContext) -> tuple[list[set[str]], list[Diagnostic]]:
    """Who each seat assignment covers statically. `from_plan` names the live holders
    of another plan, so it covers nobody until a plan reads the tenant."""
    coverage: list[set[str]] = []
    problems: list[Diagnostic] = []
    everyone = set(ctx.members)
    for i, rule in enumerate(ctx.config.seat_assignments):
        if rule.departments is not None:
            coverage.append(members_in_departments(ctx.config, rule.departments))
        elif rule.all_members:
            coverage.append(everyone)
        elif rule.from_file is not None:
            covered, found = _seat_file(ctx, i, rule.from_file)
            coverage.append(covered)
            problems.extend(found)
        else:
            if rule.from_plan == rule.plan:
                problems.append(
                    error("REF-UNKNOWN", "from_plan names the plan it assigns", at=("seat_assignments", i, "from_plan"))
                )
            coverage.append(set())
    return coverage, problems


def _names(member_ids: list[str]) -> str:
    shown = ", ".join(member_ids[:LISTED_MEMBERS])
    more = len(member_ids) - LISTED_MEMBERS
    return f"{shown} and {more} more" if more > 0 else shown


def _capacity(ctx: RuleContext, resolution: SeatResolution, index: int, plan: Subscription) -> Iterator[Diagnostic]:
    holders = resolution.holders(plan.id)
    explicit = [m for m in holders if resolution.seats[m].reason == "explicit"]
    derived = [m for m in holders if resolution.seats[m].reason != "explicit"]
    at = ("org", "plans", index, "seats")
    capacity = f"{plan.seats} seat{'' if plan.seats == 1 else 's'}"
    counts = f"{len(holders)} members resolve to it ({len(explicit)} explicit, {len(derived)} from groups and rules)"
    if len(explicit) > plan.seats:
        yield error("SEAT-CAPACITY", f"plan '{plan.id}' has {capacity} but {counts}", at=at)
    elif len(holders) > plan.seats:
        left_out = derived[plan.seats - len(explicit) :]
        if ctx.config.policy.seats.on_shortage == "warn":
            yield warning(
                "SEAT-CAPACITY",
                f"plan '{plan.id}' has {capacity} but {counts}; left without a seat: {_names(left_out)}",
                at=at,
            )
        else:
            yield error("SEAT-CAPACITY", f"plan '{plan.id}' has {capacity} but {counts}", at=at)


def static_seats(ctx: RuleContext) -> tuple[list[set[str]], list[Diagnostic], SeatResolution]:
    """Who each seat assignment covers, the problems with seat files, and steps 1 to 3
    of seat resolution: computed once per configuration, for `validate` and `plan`."""
    if "seats" not in ctx.shared:
        coverage, problems = rule_coverage(ctx)
        ctx.shared["seats"] = (coverage, problems, resolve_seats(ctx.config, coverage))
    return ctx.shared["seats"]


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    _, problems, resolution = static_seats(ctx)
    yield from problems
    for member_id, groups in resolution.ambiguous.items():
        plans = sorted({group.seat for group in ctx.config.user_groups if group.id in groups and group.seat})
        yield error(
            "SEAT-AMBIGUOUS",
            f"'{member_id}' is in groups with seats of different plans ({', '.join(plans)} via "
            f"{', '.join(groups)}); set 'seat:' on the member",
            at=("members", ctx.members[member_id]),
        )
    seen: set[str] = set()
    for index, plan in enumerate(ctx.config.org.plans):
        if plan.id not in seen and plan.is_paid:
            seen.add(plan.id)
            yield from _capacity(ctx, resolution, index, plan)
