"""SPEC section 4: the tenant engine enforces the live rules itself, "so a planner bug
fails loudly at apply". For a leaver's resources without a named recipient the engine
follows Lark's default table (orgstate.lark.transfers) from its own rows (the direct
manager, a department peer, the organization administrator, ...); what the plan
predicted is only checked against the outcome, never carried out. So a plan whose
predicted default is wrong stops at apply with the difference named, and the tenant
holds what Lark's table says."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from orgstate.appliers.local import LocalBackend
from orgstate.executor.apply import apply_plan
from orgstate.executor.passwords import PasswordFile
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.changes import MemberDelete, ResourcesTransfer, TransferItem
from orgstate.statestore import StateStore
from orgstate.tenant.fixture import init_tenant
from tests.planner.conftest import declaring, live_state


def leaving_with_defaults() -> tuple[dict[str, Any], dict[str, Any]]:
    """`dev` (direct manager: `lead`) leaves with docs and mail and names no recipient."""
    live = live_state()
    live["members"][4]["resources"] = {"docs": 3, "mail": 2}
    config = declaring(live)
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    config["offboarding"] = [{"id": "dev"}]
    return config, live


# What a planner bug might predict instead of Lark's table (docs: to the direct manager;
# mail: a copy to the direct manager).
WRONG_PREDICTIONS = [
    pytest.param("docs", {"outcome": "transferred", "to": "hr"}, "docs transferred hr", id="another recipient"),
    pytest.param("mail", {"outcome": "retained", "to": None}, "mail retained", id="no recipient"),
]


@pytest.mark.parametrize(("kind", "wrong", "planned"), WRONG_PREDICTIONS)
def test_a_wrong_predicted_default_recipient_fails_at_apply(
    tmp_path: Path, store: StateStore, kind: str, wrong: dict[str, Any], planned: str
) -> None:
    config, live = leaving_with_defaults()
    init_tenant(tmp_path / "tenant.db", TenantState.model_validate(live))
    backend = LocalBackend(tmp_path / "tenant.db")
    plan = build_plan(OrgConfig.model_validate(config), backend.read_snapshot())
    [transfer] = [c for c in plan.changes if isinstance(c, ResourcesTransfer)]
    [delete] = [c for c in plan.changes if isinstance(c, MemberDelete)]
    assert transfer.after["docs"] == TransferItem(count=3, default=True, outcome="transferred", to="lead")
    assert transfer.after["mail"] == TransferItem(count=2, default=True, outcome="copied", to="lead")

    # The planner bug: one default predicted otherwise than Lark's table has it.
    mistaken = transfer.model_copy(
        update={"after": {**transfer.after, kind: transfer.after[kind].model_copy(update=wrong)}}
    )
    buggy = dataclasses.replace(plan, changes=tuple(mistaken if c is transfer else c for c in plan.changes))
    result = apply_plan(buggy, backend, store, PasswordFile(tmp_path / "pw", "p"))

    assert not result.ok and list(result.failed) == [delete.id]
    error = result.failed[delete.id]
    assert "offboarding differs from the plan" in error
    done_as = "transferred lead" if kind == "docs" else "copied lead"
    assert f"{planned} (done: {done_as})" in error
    # The tenant followed Lark's table, not the plan.
    done, _ = backend.tenant.offboarding_record("dev")
    assert (done["docs"].outcome, done["docs"].recipient, done["docs"].is_default) == ("transferred", "lead", True)
    assert (done["mail"].outcome, done["mail"].recipient, done["mail"].is_default) == ("copied", "lead", True)
    owned = {m.id: m.resources.counts() for m in backend.read_snapshot().members if m.status != "deleted"}
    assert owned["lead"].get("docs") == 3 and owned["lead"].get("mail") == 2
    assert not owned["hr"].get("docs")


def test_the_predicted_defaults_apply_cleanly(tmp_path: Path, store: StateStore) -> None:
    """The same plan, unaltered, is carried out as predicted: the failure above is the
    altered prediction's, not the scenario's."""
    config, live = leaving_with_defaults()
    init_tenant(tmp_path / "tenant.db", TenantState.model_validate(live))
    backend = LocalBackend(tmp_path / "tenant.db")
    plan = build_plan(OrgConfig.model_validate(config), backend.read_snapshot())
    result = apply_plan(plan, backend, store, PasswordFile(tmp_path / "pw", "p"))
    assert result.ok, result.failed
