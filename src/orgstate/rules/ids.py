"""ID-UNIQUE: ids, and the member fields Lark keeps unique (emails, phone, employee id)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from orgstate.diagnostics import Diagnostic, DocPath, error
from orgstate.rules.context import RuleContext

UNIQUE_MEMBER_FIELDS = ("work_email", "business_email", "phone", "employee_id")
KINDS = {
    "fields": "field",
    "departments": "department",
    "members": "member",
    "user_groups": "user group",
    "offboarding": "offboarding entry",
}


def duplicates(values: Iterable[tuple[str | None, DocPath]], what: str, fold: bool = False) -> Iterator[Diagnostic]:
    """Every repeat of a value after its first occurrence; emails compare case-insensitively."""
    seen: dict[str, DocPath] = {}
    for value, at in values:
        if value is None:
            continue
        key = value.casefold() if fold else value
        if key in seen:
            yield error("ID-UNIQUE", f"{what} '{value}' is declared twice", at=at, also_at=seen[key])
        else:
            seen[key] = at


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    config = ctx.config
    yield from duplicates(((plan.id, ("org", "plans", i, "id")) for i, plan in enumerate(config.org.plans)), "plan id")
    for section, kind in KINDS.items():
        items = getattr(config, section)
        yield from duplicates(((item.id, (section, i, "id")) for i, item in enumerate(items)), f"{kind} id")
    for name in UNIQUE_MEMBER_FIELDS:
        values = ((getattr(member, name), ("members", i, name)) for i, member in enumerate(config.members))
        yield from duplicates(values, name.replace("_", " "), fold=name.endswith("email"))
