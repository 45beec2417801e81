"""The convergence property through the scim backend, over generated organizations (fewer
examples than the local backend's: each runs over HTTP): from one organization applied
to a fresh provider, apply(plan(d, s)) then plan(d, read()) is empty."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from orgstate.appliers.scim import ScimBackend
from orgstate.executor.apply import apply_plan
from orgstate.executor.passwords import PasswordFile
from orgstate.model.config import OrgConfig
from orgstate.planner.build import build_plan
from orgstate.planner.context import PlanOptions
from orgstate.rules.check import check_static
from orgstate.statestore import open_store
from tests.planner.test_properties import organization
from tests.scim.conftest import ScimServer, start_server


@pytest.fixture(scope="module")
def tenants() -> Iterator[ScimServer]:
    """One server; each example gets a tenant of its own, empty (`--dynamic-tenants`)."""
    server = start_server("--dynamic-tenants")
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


def earlier(org: dict[str, Any]) -> dict[str, Any]:
    """The generated live organization, as a configuration: what the provider holds first."""
    members = [
        {key: m[key] for key in ("id", "name", "department", "work_email", "job")}
        | {"status": "suspended" if m["status"] == "suspended" else "active"}
        for m in org["live"]["members"]
        if m["status"] != "deleted"
    ]
    return {**org["config"], "departments": org["live"]["departments"], "members": members, "user_groups": []}


def converge(backend: ScimBackend, data: dict[str, Any], root: Path) -> None:
    config = OrgConfig.model_validate(data)
    assume(not any(d.is_error for d in check_static(config)))
    options = PlanOptions(backend=backend.name, capabilities=backend.capabilities, unheld=backend.unheld)
    plan = build_plan(config, backend.read_snapshot(), options)
    assume(plan.applyable)
    store = open_store(f"sqlite:{root / 'state.db'}")
    try:
        result = apply_plan(plan, backend, store, PasswordFile(root, "passwords"))
    finally:
        store.close()
    assert result.ok, (result.failed, result.skipped, [c.model_dump() for c in plan.changes])
    again = build_plan(config, backend.read_snapshot(), options)
    assert again.changes == (), [c.model_dump() for c in again.changes]


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(organization())
def test_apply_then_plan_is_empty(tenants: ScimServer, org: dict[str, Any]) -> None:
    for member in org["config"]["members"]:
        member.pop("status")
    backend = ScimBackend(f"http://127.0.0.1:{tenants.port}/{uuid.uuid4().hex[:12]}/v2")
    try:
        with tempfile.TemporaryDirectory() as directory:
            converge(backend, earlier(org), Path(directory) / "first")
            converge(backend, org["config"], Path(directory) / "then")
    finally:
        backend.close()
