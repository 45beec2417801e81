"""What the backend cannot do, or does differently, said once (BACKEND-CAPABILITY, live).

A backend lists what it can do beyond the basics (`context.CAPABILITIES`); the
embedded tenant can do all of it, the Open API much less. For each capability the
backend lacks and this configuration needs, a plan (and a drift report) carries one
diagnostic naming the objects concerned, so that a reviewer knows what apply will not
do, or will do otherwise, before approving it. A payload that would promise what the
backend cannot do is an error: the plan cannot be applied until the configuration
stops asking for it."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error, warning
from orgstate.lark.codes import LarkCode
from orgstate.lark.editions import RESTORE_WINDOW_DAYS
from orgstate.lark.transfers import RETENTION_DAYS
from orgstate.model.live import LiveMember
from orgstate.planner.context import PlanContext, recipient
from orgstate.planner.holdings import check_holdings
from orgstate.planner.offboarding import Recipients, dispositions, transfer_payload


def check_capabilities(ctx: PlanContext) -> Iterator[Diagnostic]:
    yield from check_holdings(ctx)
    if not ctx.options.can("group_seats") and ctx.options.holds("seats"):
        yield from _group_seats(ctx)
    if not ctx.options.can("restore"):
        yield from _restores(ctx)
    if not ctx.options.can("admins"):
        yield from _admins(ctx)
    if ctx.renames and not ctx.options.can("rename"):
        yield from _renames(ctx)
    if not ctx.options.can("login_method"):
        yield from _logins(ctx)
    if ctx.config.policy.removal.action != "delete" or not _deleted(ctx):
        return
    yield from _recipients(ctx)
    if not ctx.options.can("resource_counts"):
        yield from _uncounted(ctx)
    elif not ctx.options.can("retention"):
        yield from _retention(ctx)


def _named(ids: list[str]) -> str:
    return ", ".join(f"'{object_id}'" for object_id in ids)


def _about(kind: str, ids: list[str]) -> str | None:
    """The address of the one object a diagnostic is about (several: none)."""
    return f"{kind}.{ids[0]}" if len(ids) == 1 else None


def _deleted(ctx: PlanContext) -> list[LiveMember]:
    """The members a plan deletes, by id."""
    return sorted(ctx.leaving.values(), key=lambda m: m.id)


def _group_seats(ctx: PlanContext) -> Iterator[Diagnostic]:
    managed = [g for g in ctx.config.user_groups if not ctx.is_ignored("user_groups", g.id)]
    seated = [g for g in managed if g.seat is not None]
    joining = {
        g.id: [m for m in g.members if g.id not in ctx.live_groups or m not in ctx.live_groups[g.id].members]
        for g in managed
    }
    joining = {group: members for group, members in joining.items() if members}
    parts = []
    if seated:
        parts.append(
            "declared seats: "
            + ", ".join(f"'{g.id}' ({g.seat})" for g in seated)
            + ". Each member's seat is assigned to the member instead; someone who joins the group later "
            "gets no seat until the next plan, and drift does not compare the group's seat"
        )
    if joining:
        parts.append(
            "members the plan adds to a group the console gave a seat may receive it, which the plan cannot show: "
            + "; ".join(f"'{group}': {', '.join(members)}" for group, members in sorted(joining.items()))
        )
    if parts:
        groups = sorted({g.id for g in seated} | set(joining))
        yield warning(
            RuleId.BACKEND_CAPABILITY,
            "the backend can neither set nor read a user group's seat. " + ". ".join(parts),
            address=_about("user_group", groups),
        )


def _restores(ctx: PlanContext) -> Iterator[Diagnostic]:
    restored = sorted(m for m, arrival in ctx.arriving.items() if arrival == "restore")
    if restored:
        yield warning(
            RuleId.BACKEND_CAPABILITY,
            f"the backend cannot tell when {_named(restored)} was deleted: planned as a restore, which the "
            f"service refuses more than {RESTORE_WINDOW_DAYS} days after the deletion "
            f"(Lark code {LarkCode.RESTORE_WINDOW_PASSED}); then only "
            "deleting the old account for good (Admin Console, Deleted Members) lets a plan create it anew",
            address=_about("member", restored),
        )


def _admins(ctx: PlanContext) -> Iterator[Diagnostic]:
    suspended = {
        m.id
        for m in ctx.config.members
        if m.status == "suspended"
        and m.id in ctx.live_members
        and ctx.live_members[m.id].status != "suspended"
        and not ctx.is_ignored("members", m.id)
    }
    removed = sorted(suspended | set(ctx.leaving))
    if removed:
        if ctx.options.scheme == "lark":
            at_apply = (
                "the service refuses such a change at apply "
                f"(Lark codes {LarkCode.CANNOT_FREEZE_FOUNDER}, {LarkCode.CANNOT_DELETE_ADMIN})"
            )
        else:  # a SCIM provider knows no Lark admins: nothing stops it
            at_apply = "the provider may well carry such a change out"
        yield warning(
            RuleId.BACKEND_CAPABILITY,
            f"the backend does not name the founder and the admins: the plan cannot check that {_named(removed)} "
            f"(suspended or deleted by it) are none of them (DELETE-ADMIN); {at_apply}. "
            "List the founder and the admins in policy.protected",
            address=_about("member", removed),
        )
    if not ctx.options.can("resource_counts") or ctx.config.policy.removal.action != "delete":
        return
    helpdesks = [
        m.id
        for m in _deleted(ctx)
        if m.resources.helpdesks and not _entry_names(ctx, m.id, "helpdesks") and ctx.primary_admin is None
    ]
    if helpdesks:
        yield warning(
            RuleId.BACKEND_CAPABILITY,
            f"the help desks of {_named(helpdesks)} go to the organization's administrator by the service's "
            "default, whom the backend cannot name: the plan shows them retained, and their outcome is not "
            "checked after the deletion",
            address=_about("member", helpdesks),
        )


def _entry_names(ctx: PlanContext, member_id: str, field: str) -> bool:
    entry = ctx.offboarding_entries.get(member_id)
    return entry is not None and field in entry.transfer.recipients()


def _uncounted(ctx: PlanContext) -> Iterator[Diagnostic]:
    leaving = [m.id for m in _deleted(ctx)]
    entries = [m for m in leaving if m in ctx.offboarding_entries]
    dropped = (
        f"; the recipients and retention of the offboarding entries of {_named(entries)} are not carried: "
        "make those transfers in the Admin Console before applying"
        if entries
        else ""
    )
    yield warning(
        RuleId.BACKEND_CAPABILITY,
        f"the backend cannot read what members own: no resources.transfer is planned for {_named(leaving)}, "
        f"whose deletion names no recipients, so the service's default rules apply{dropped}",
        address=_about("member", leaving),
    )


def _retention(ctx: PlanContext) -> Iterator[Diagnostic]:
    """A transfer payload that would keep `retain: false` promises what the backend cannot
    do (the service keeps untransferred data): an error, located at the entry."""
    recipients = Recipients(ctx)
    for member in _deleted(ctx):
        entry = ctx.offboarding_entries.get(member.id)
        if entry is None:
            continue
        payload = transfer_payload(dispositions(ctx, recipients, member, entry), entry)
        dropped = sorted(kind for kind, item in payload.items() if item.get("retain") is False)
        if dropped:
            yield error(
                RuleId.BACKEND_CAPABILITY,
                f"'{member.id}': the backend cannot drop untransferred {', '.join(dropped)} "
                f"after {RETENTION_DAYS} days "
                "(offboarding retain: false); the service keeps them. Remove retain: false, or transfer them",
                address=f"member.{member.id}",
            )


def _renames(ctx: PlanContext) -> Iterator[Diagnostic]:
    members = ctx.declared_index("members")
    for new, old in sorted(ctx.renames.items()):
        yield error(
            RuleId.BACKEND_CAPABILITY,
            f"the backend cannot change a User ID: '{old}' cannot become '{new}'. Change it in the Admin "
            "Console, then declare the member under the new id without renamed_from",
            at=("members", members[new], "renamed_from"),
            address=f"member.{new}",
        )


def _logins(ctx: PlanContext) -> Iterator[Diagnostic]:
    """A login the backend can neither set nor read would differ at every check."""
    members = ctx.declared_index("members")
    for member in ctx.config.members:
        if member.login is not None and not ctx.is_ignored("members", member.id):
            yield error(
                RuleId.BACKEND_CAPABILITY,
                f"'{member.id}': the backend can neither set nor read how a member logs in; choose it in the "
                "Admin Console and leave login out",
                at=("members", members[member.id], "login"),
                address=f"member.{member.id}",
            )


def _recipients(ctx: PlanContext) -> Iterator[Diagnostic]:
    """Recipients named for resource types the backend cannot send to anyone: the
    service's defaults would apply instead of the configuration's choice."""
    entries = ctx.declared_index("offboarding")
    for member in _deleted(ctx):
        entry = ctx.offboarding_entries.get(member.id)
        if entry is None:
            continue
        unsent = sorted(kind for kind in entry.transfer.recipients() if not ctx.options.can(recipient(kind)))
        if unsent:
            yield error(
                RuleId.BACKEND_CAPABILITY,
                f"'{member.id}': the backend cannot send {', '.join(unsent)} to a named recipient (the service's "
                "defaults would apply); make those transfers in the Admin Console and remove them here",
                at=("offboarding", entries[member.id], "transfer"),
                address=f"member.{member.id}",
            )
