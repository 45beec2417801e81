"""A tenant as text (for people) or JSON (the fixture shape, so it round-trips)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from orgstate.model.live import TenantState


def tenant_json_data(state: TenantState) -> dict[str, Any]:
    return {"version": state.version, **state.model_dump(mode="json", exclude_defaults=True)}


def render_tenant_json(state: TenantState) -> str:
    return json.dumps(tenant_json_data(state), indent=2, ensure_ascii=False)


def render_tenant_text(state: TenantState) -> str:
    info = state.tenant
    lines = [f"{info.name} (founder {info.founder}" + (f", today {info.today})" if info.today else ")")]
    held = Counter(m.seat for m in state.members if m.seat is not None)
    for plan in state.org.plans:
        lines.append(
            f"  plan {plan.id}: {plan.edition}, {held[plan.id]}/{plan.seats} seats, {plan.starts} to {plan.expires}"
            + (" (trial)" if plan.trial else "")
        )
    statuses = Counter(m.status for m in state.members)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    lines.append(f"  {len(state.members)} members ({summary})" if state.members else "  no members")
    lines.append(f"  {len(state.departments)} departments, {len(state.user_groups)} user groups")
    for admin, roles in info.admins.items():
        lines.append(f"  admin {admin}: {', '.join(roles)}")
    return "\n".join(lines)
