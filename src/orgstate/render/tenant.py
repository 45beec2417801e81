"""A tenant as text (for people) or JSON (the fixture shape, so it round-trips).

The tenant's names come from its console: the text writes them through `for_terminal`
and the JSON through `json_text` (render/escape.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from orgstate.model.live import TenantState
from orgstate.render.escape import for_terminal, json_text


def tenant_json_data(state: TenantState) -> dict[str, Any]:
    return {"version": state.version, **state.model_dump(mode="json", exclude_defaults=True)}


def render_tenant_json(state: TenantState) -> str:
    return json_text(tenant_json_data(state))


def render_tenant_text(state: TenantState) -> str:
    t = for_terminal
    info = state.tenant
    lines = [f"{t(info.name)} (founder {t(info.founder)}" + (f", today {t(info.today)})" if info.today else ")")]
    held = Counter(m.seat for m in state.members if m.seat is not None)
    for plan in state.org.plans:
        lines.append(
            f"  plan {t(plan.id)}: {t(plan.edition)}, {held[plan.id]}/{plan.seats} seats, "
            f"{t(plan.starts)} to {t(plan.expires)}" + (" (trial)" if plan.trial else "")
        )
    statuses = Counter(m.status for m in state.members)
    summary = ", ".join(f"{count} {t(status)}" for status, count in sorted(statuses.items()))
    lines.append(f"  {len(state.members)} members ({summary})" if state.members else "  no members")
    lines.append(f"  {len(state.departments)} departments, {len(state.user_groups)} user groups")
    for admin, roles in info.admins.items():
        lines.append(f"  admin {t(admin)}: {', '.join(t(role) for role in roles)}")
    return "\n".join(lines)
