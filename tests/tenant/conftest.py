"""A small live tenant to test the engine on, at a fixed date (2026-11-21).

`make_tenant(**overrides)` seeds a fresh SQLite tenant from BASE, with any top-level
section replaced, and returns the engine acting as the founder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orgstate.model.live import TenantState
from orgstate.tenant import FixedClock, Tenant
from orgstate.tenant.fixture import seed

TODAY = dt.date(2026, 11, 21)

BASE: dict[str, Any] = {
    "version": 1,
    "tenant": {
        "name": "Acme",
        "founder": "boss",
        "admins": {"boss": ["primary"], "ops": ["billing", "member_and_department"], "hr": ["member_and_department"]},
        "notify_contact_changes": ["phone"],
    },
    "org": {"plans": [{"id": "pro", "edition": "pro", "seats": 10, "starts": "2026-01-01", "expires": "2027-01-01"}]},
    "fields": [{"id": "level", "name": "Level", "type": "enum", "options": ["L1", "L2"]}],
    "departments": [
        {"id": "eng", "name": "Engineering", "leader": "boss"},
        {"id": "web", "name": "Web", "parent": "eng", "leader": "lead"},
        {"id": "ops", "name": "Operations"},
    ],
    "members": [
        {"id": "boss", "name": "Boss", "department": "ops", "work_email": "boss@acme.example", "seat": "pro"},
        {"id": "ops", "name": "Ops Admin", "department": "ops", "work_email": "ops@acme.example", "seat": "pro"},
        {"id": "hr", "name": "HR Admin", "department": "ops", "work_email": "hr@acme.example", "seat": "pro"},
        {
            "id": "lead",
            "name": "Lead",
            "department": "web",
            "work_email": "lead@acme.example",
            "seat": "pro",
            "phone": "+15550100001",
            "job": {"manager": "boss"},
        },
        {
            "id": "dev",
            "name": "Dev",
            "department": "web",
            "work_email": "dev@acme.example",
            "seat": "pro",
            "business_email": "dev@acme.larksuite.com",
            "login": "business_email",
            "job": {"manager": "lead"},
        },
    ],
}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def make_tenant(tmp_path: Path, clock: FixedClock) -> Callable[..., Tenant]:
    created: list[Tenant] = []

    def make(actor: str | None = None, **sections: Any) -> Tenant:
        state = TenantState.model_validate({**BASE, **sections})
        path = tmp_path / f"tenant{len(created)}.db"
        tenant = Tenant(path, clock=clock, actor=actor)
        seed(tenant, state)
        created.append(tenant)
        return tenant

    yield make  # type: ignore[misc]
    for tenant in created:
        tenant.close()


@pytest.fixture
def tenant(make_tenant: Callable[..., Tenant]) -> Tenant:
    return make_tenant()


def member(member_id: str, **fields: Any) -> dict[str, Any]:
    """A member's fields with a unique work email, in department web unless given."""
    return {
        "id": member_id,
        "name": member_id.title(),
        "department": "web",
        "work_email": f"{member_id}@acme.example",
        **fields,
    }
