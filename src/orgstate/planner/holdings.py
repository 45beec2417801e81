"""What the backend cannot hold (`context.UNHELD`), left out of both sides before the one
diff, and said once (BACKEND-CAPABILITY).

A SCIM provider keeps no departments as objects, no subscriptions or seats, and fewer
member fields than a Lark tenant. Comparing them would plan changes apply cannot make
and report drift that never goes away, so a plan and a drift report compare the
configuration and the snapshot as that backend can hold them:

- departments: both sides get the same departments, one per department a member
  names (its id as its name), so that no department is created, changed or deleted;
- seats: the configuration declares no plans, seat assignments or seats (the snapshot
  has none), so that no seat change is planned and no capacity checked;
- a member field: a declared member that is live takes the live value of the field, a
  new one the default (the backend has nowhere to put the declared value).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, warning
from orgstate.model.config import Department, Job, Member, OrgConfig, UserGroup
from orgstate.model.live import LiveMember, TenantState
from orgstate.planner.context import MEMBER_FIELD_PATHS, PlanContext, PlanOptions, member_field


def unheld_fields(options: PlanOptions) -> list[str]:
    return [path for path in MEMBER_FIELD_PATHS if not options.holds(member_field(path))]


def field_held(kind: str, name: str, options: PlanOptions) -> bool:
    """Whether the backend holds the field `name` of a `kind` object (`job.title`, `seat`,
    a department's `name`): explain shows the live side of one it does not as not held."""
    if name == "seat":
        return options.holds("seats")
    if kind == "member":
        path = name if name in MEMBER_FIELD_PATHS else None
        return path is None or options.holds(member_field(path))
    if kind == "department":
        return name == "id" or options.holds("departments")
    return name != "description" or options.holds("group_description")


def held(config: OrgConfig, snapshot: TenantState, options: PlanOptions) -> tuple[OrgConfig, TenantState]:
    """The configuration and the snapshot as the backend can hold them (the same objects
    when it holds everything)."""
    if not options.unheld:
        return config, snapshot
    paths = unheld_fields(options)
    live = {m.id: m for m in snapshot.members if m.status != "deleted"}
    members = tuple(_held_member(m, live.get(m.id), paths, options) for m in config.members)
    update: dict[str, Any] = {"members": members}
    if not options.holds(member_field("custom")):
        update["fields"] = ()
    if not options.holds("departments"):
        named = sorted({m.department for m in members} | {m.member.department for m in snapshot.members})
        departments = tuple(Department(id=d, name=d) for d in named)
        update["departments"] = departments
        snapshot = snapshot.model_copy(update={"departments": departments})
    if not options.holds("seats"):
        update["org"] = config.org.model_copy(update={"plans": ()})
        update["seat_assignments"] = ()
    groups = {g.id: g for g in snapshot.user_groups}
    update["user_groups"] = tuple(_held_group(g, groups.get(g.id), options) for g in config.user_groups)
    return config.model_copy(update=update), snapshot


def _held_group(group: UserGroup, live: UserGroup | None, options: PlanOptions) -> UserGroup:
    update: dict[str, Any] = {}
    if not options.holds("seats") and group.seat is not None:
        update["seat"] = None
    if not options.holds("group_description"):
        update["description"] = live.description if live is not None else ""
    return group.model_copy(update=update) if update else group


def _held_member(member: Member, live: LiveMember | None, paths: list[str], options: PlanOptions) -> Member:
    # A live member keeps the live values; a new one gets the defaults (nothing is sent).
    own, job_keys = [p for p in paths if "." not in p], [p.partition(".")[2] for p in paths if "." in p]
    if live is not None:
        update = {p: getattr(live.member, p) for p in own}
        job = {k: getattr(live.member.job, k) for k in job_keys}
    else:
        update = {p: _default(Member, p) for p in own if Member.model_fields[p].is_required() is False}
        job = {k: _default(Job, k) for k in job_keys}
    if job:
        update["job"] = member.job.model_copy(update=job)
    if not options.holds("seats") and (member.seat is not None or member.has_explicit_seat):
        update["seat"] = None
    return member.model_copy(update=update) if update else member


def _default(model: type[BaseModel], name: str) -> Any:
    return model.model_fields[name].get_default(call_default_factory=True)


def check_holdings(ctx: PlanContext) -> Iterator[Diagnostic]:
    """One warning per part the configuration declares and the backend cannot hold."""
    declared = ctx.declared
    if declared is None:
        return
    if not ctx.options.holds("departments") and declared.departments:
        yield warning(
            RuleId.BACKEND_CAPABILITY,
            "the backend holds no departments as objects, only each member's department as a name: "
            f"the {len(declared.departments)} declared departments (names, parents, leaders, order) are left "
            "out of plans and drift",
        )
    seated = [m.id for m in declared.members if m.seat is not None] + [g.id for g in declared.user_groups if g.seat]
    if not ctx.options.holds("seats") and (declared.org.plans or declared.seat_assignments or seated):
        yield warning(
            RuleId.BACKEND_CAPABILITY,
            "the backend holds no subscriptions or seats: org.plans, seat_assignments and seats are left out of "
            "plans and drift",
        )
    described = [g.id for g in declared.user_groups if g.description]
    if not ctx.options.holds("group_description") and described:
        yield warning(
            RuleId.BACKEND_CAPABILITY,
            "the backend cannot hold a user group's description: left out of plans and drift",
        )
    written = {m.id: m for m in ctx.config.members}
    differing = [
        path
        for path in unheld_fields(ctx.options)
        if any(_value(m, path) != _value(written[m.id], path) or _is_set(m, path) for m in declared.members)
    ]
    if differing:
        yield warning(
            RuleId.BACKEND_CAPABILITY,
            f"the backend cannot hold a member's {', '.join(differing)}: left out of plans and drift",
        )


def _value(member: Member, path: str) -> Any:
    head, _, rest = path.partition(".")
    return getattr(member.job, rest) if rest else getattr(member, head)


def _is_set(member: Member, path: str) -> bool:
    """Declared with a value other than the default (what a new member would lose)."""
    head, _, rest = path.partition(".")
    owner = member.job if rest else member
    name = rest or head
    return getattr(owner, name) != type(owner).model_fields[name].default and name in owner.model_fields_set
