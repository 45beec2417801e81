"""ID-UNIQUE: ids, and what else Lark keeps unique: the member fields (emails, phone,
employee id), department names and orders among siblings, user group names, and the
items of a list (a group's members, a member's departments)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, DocPath, error
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.rules.context import RuleContext, first_occurrences

UNIQUE_MEMBER_FIELDS = ("work_email", "business_email", "phone", "employee_id")
KINDS = {
    "fields": "field",
    "departments": "department",
    "members": "member",
    "user_groups": "user group",
    "offboarding": "offboarding entry",
}


def duplicates(
    values: Sequence[str | None], at: Callable[[int], DocPath], what: str, fold: bool = False
) -> Iterator[Diagnostic]:
    """Every repeat of a value after its first occurrence (`at(i)` locates values[i]);
    emails compare case-insensitively."""
    keys = [value.casefold() if fold and value is not None else value for value in values]
    present = [key for key in keys if key is not None]
    if len(set(present)) == len(present):
        return  # the common case, decided without building a location per value
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key in seen:
            yield error(
                RuleId.ID_UNIQUE, f"{what} '{values[index]}' is declared twice", at=at(index), also_at=at(seen[key])
            )
        else:
            seen[key] = index


def list_at(*path: str | int) -> Callable[[int], DocPath]:
    """Locates the i-th item of the list at `path`."""

    def at(index: int) -> DocPath:
        return (*path, index)

    return at


def item_at(section: str, key: str, positions: Sequence[int] | None = None) -> Callable[[int], DocPath]:
    """Locates the i-th value at `section[i].key` (or at `section[positions[i]].key`)."""

    def at(index: int) -> DocPath:
        return (section, index if positions is None else positions[index], key)

    return at


def organization_duplicates(org: OrgConfig | TenantState) -> Iterator[Diagnostic]:
    """What a configuration and a tenant fixture alike must not repeat (the tenant's
    database enforces each; member ids and fields are checked apart, since a fixture's
    deleted members may repeat them)."""
    yield from duplicates([plan.id for plan in org.org.plans], lambda i: ("org", "plans", i, "id"), "plan id")
    for section in ("fields", "departments", "user_groups"):
        items = getattr(org, section)
        yield from duplicates([item.id for item in items], item_at(section, "id"), f"{KINDS[section]} id")
    siblings: dict[str | None, list[int]] = defaultdict(list)
    for i, department in first_occurrences(org.departments):
        siblings[department.parent].append(i)
    for positions in siblings.values():
        if len(positions) > 1:
            names = [org.departments[i].name for i in positions]
            yield from duplicates(names, item_at("departments", "name", positions), "department name under one parent")
            orders = [None if (o := org.departments[i].order) is None else str(o) for i in positions]
            yield from duplicates(orders, item_at("departments", "order", positions), "order under one parent")
    groups = first_occurrences(org.user_groups)
    names = [group.name for _, group in groups]
    yield from duplicates(names, item_at("user_groups", "name", [i for i, _ in groups]), "user group name")
    for i, group in groups:
        yield from duplicates(group.members, list_at("user_groups", i, "members"), "group member")
    # A fixture's deleted members may repeat an id, and each is checked; a configuration's may not.
    members = (
        first_occurrences(org.members) if isinstance(org, OrgConfig) else enumerate(live.member for live in org.members)
    )
    for i, member in members:
        if member.departments:
            yield from duplicates(member.departments, list_at("members", i, "departments"), "department of a member")


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    config = ctx.config
    yield from organization_duplicates(config)
    for section in ("members", "offboarding"):
        items = getattr(config, section)
        yield from duplicates([item.id for item in items], item_at(section, "id"), f"{KINDS[section]} id")
    members = first_occurrences(config.members, ctx.members)
    positions = [i for i, _ in members]
    for name in UNIQUE_MEMBER_FIELDS:
        values = [getattr(member, name) for _, member in members]
        at = item_at("members", name, positions)
        yield from duplicates(values, at, name.replace("_", " "), fold=name.endswith("email"))
    yield from _renames(ctx)
    yield from _beside_unchecked(ctx)


def _beside_unchecked(ctx: RuleContext) -> Iterator[Diagnostic]:
    """An id that an item which failed the schema has too (config/partial.py)."""
    for section, kind in KINDS.items():
        failed = ctx.unchecked.get(section)
        if failed:
            for i, item in first_occurrences(getattr(ctx.config, section)):
                if item.id in failed:
                    message = f"{kind} id '{item.id}' is declared twice (the other one has schema errors)"
                    yield error(RuleId.ID_UNIQUE, message, at=(section, i, "id"))


def _renames(ctx: RuleContext) -> Iterator[Diagnostic]:
    """A member is renamed from an id no declared member has any more, and only one is."""
    members = first_occurrences(ctx.config.members, ctx.members)
    at = item_at("members", "renamed_from", [i for i, _ in members])
    yield from duplicates([member.renamed_from for _, member in members], at, "renamed_from")
    for i, member in members:
        if member.renamed_from is not None and member.renamed_from in ctx.members:
            yield error(
                RuleId.ID_UNIQUE,
                f"renamed_from '{member.renamed_from}' is a declared member's id; a member is renamed from the id "
                "it has live, which no declared member keeps",
                at=("members", i, "renamed_from"),
            )
