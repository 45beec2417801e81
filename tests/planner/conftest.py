"""Plans over small organizations: a live tenant (the engine tests' BASE) and the
configuration that declares exactly it, each easy to vary."""

from __future__ import annotations

import copy
from typing import Any

from orgstate.model.config import OrgConfig
from orgstate.model.fields import MEMBER_FIELDS, Role
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.context import PlanOptions
from orgstate.planner.plan import Plan
from tests.tenant.conftest import BASE

# What only a live member holds; its status too, which a configuration declares only when suspended.
LIVE_ONLY = ("status", *(name for name, role in MEMBER_FIELDS.items() if role is Role.LIVE_ONLY))


def live_state(**sections: Any) -> dict[str, Any]:
    return copy.deepcopy({**BASE, **sections})


def declaring(live: dict[str, Any]) -> dict[str, Any]:
    """The configuration that declares a live tenant as it is."""
    members = [
        {k: v for k, v in m.items() if k not in LIVE_ONLY}
        | ({"status": "suspended"} if m.get("status") == "suspended" else {})
        for m in live["members"]
        if m.get("status") != "deleted"
    ]
    return copy.deepcopy(
        {
            "version": 1,
            "org": {"name": live["tenant"]["name"], "plans": live["org"]["plans"]},
            "policy": {
                "invitations": {"require_approval": True},
                "removal": {"max_removals": 50, "max_removal_ratio": 1},
            },
            "fields": live.get("fields", []),
            "departments": live.get("departments", []),
            "members": members,
            "user_groups": live.get("user_groups", []),
        }
    )


def plan_of(config: dict[str, Any], live: dict[str, Any], **options: Any) -> Plan:
    return build_plan(
        OrgConfig.model_validate(config),
        TenantState.model_validate(live),
        PlanOptions(created_at="2026-11-21T22:00:00Z", plan_id="plan-test", **options),
    )


def kinds(plan: Plan) -> list[tuple[str, str, str]]:
    return [(c.type, c.action, c.address) for c in plan.changes]


def rules(plan: Plan) -> list[tuple[str, str]]:
    return [(d.rule, d.severity) for d in plan.diagnostics]


def member(member_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": member_id,
        "name": member_id.title(),
        "department": "web",
        "work_email": f"{member_id}@acme.example",
        **fields,
    }
