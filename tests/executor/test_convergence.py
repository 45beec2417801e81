"""The convergence property, over generated organizations: apply(plan(d, s)) then
plan(d, read()) is empty."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from orgstate.appliers.local import LocalBackend
from orgstate.executor.apply import apply_plan
from orgstate.executor.passwords import PasswordFile
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.rules.check import check_static
from orgstate.statestore import open_store
from orgstate.tenant.fixture import init_tenant
from tests.planner.test_properties import organization


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organization())
def test_apply_then_plan_is_empty(org: dict[str, Any]) -> None:
    for member in org["config"]["members"]:
        member.pop("status")
    config = OrgConfig.model_validate(org["config"])
    assume(not any(d.is_error for d in check_static(config)))
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        init_tenant(root / "tenant.db", TenantState.model_validate(org["live"]))
        backend = LocalBackend(root / "tenant.db")
        store = open_store(f"sqlite:{root / 'state.db'}")
        try:
            plan = build_plan(config, backend.read_snapshot())
            assume(plan.applyable)
            result = apply_plan(plan, backend, store, PasswordFile(root, "passwords"))
            assert result.ok, (result.failed, result.skipped, [c.model_dump() for c in plan.changes])
            again = build_plan(config, backend.read_snapshot())
            assert again.changes == (), [c.model_dump() for c in again.changes]
        finally:
            store.close()
            backend.close()
