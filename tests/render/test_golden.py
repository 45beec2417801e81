"""Golden files: the example plan (examples/org.yaml against examples/tenant.yaml) in
the three formats. Regenerate after an intended change with
ORGSTATE_UPDATE_GOLDEN=1 python -m pytest tests/render/test_golden.py"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from orgstate.config.loader import load_config
from orgstate.planner.build import build_plan
from orgstate.planner.context import PlanOptions
from orgstate.planner.plan import Plan
from orgstate.render.plan_json import plan_schema, read_plan, render_plan_json
from orgstate.render.plan_markdown import render_plan_markdown
from orgstate.render.plan_text import render_plan_text
from orgstate.tenant.fixture import load_fixture
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
RENDERERS: dict[str, Callable[[Plan], str]] = {
    "example-plan.txt": render_plan_text,
    "example-plan.md": render_plan_markdown,
    "example-plan.json": render_plan_json,
}


@pytest.fixture(scope="module")
def example_plan() -> Plan:
    cwd = Path.cwd()
    os.chdir(ROOT)  # diagnostics name files as the user typed them
    try:
        loaded = load_config([Path("examples/org.yaml")])
        assert loaded.config is not None
        options = PlanOptions(created_at="2026-11-21T22:00:00Z", plan_id="plan-golden")
        return build_plan(loaded.config, load_fixture(Path("examples/tenant.yaml")), options, sources=loaded.sources)
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_the_example_plan_matches_its_golden_file(example_plan: Plan, name: str) -> None:
    rendered = RENDERERS[name](example_plan) + "\n"
    path = GOLDEN / name
    if os.environ.get("ORGSTATE_UPDATE_GOLDEN"):
        path.write_text(rendered)
    assert rendered == path.read_text(), f"{name} changed; regenerate with ORGSTATE_UPDATE_GOLDEN=1 if intended"


def test_the_json_plan_follows_the_checked_in_schema(example_plan: Plan) -> None:
    document = json.loads(render_plan_json(example_plan))
    jsonschema.Draft202012Validator(plan_schema()).validate(document)
    assert list(document)[:13] == [
        "format_version",
        "orgstate_version",
        "plan_id",
        "backend",
        "config_digest",
        "state_digest",
        "created_at",
        "applyable",
        "summary",
        "changes",
        "seats",
        "diagnostics",
        "fingerprints",
    ]


def test_a_saved_plan_reads_back_as_the_same_plan(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(render_plan_json(example_plan))
    assert read_plan(path) == example_plan


def test_the_example_plan_has_what_a_reviewer_needs(example_plan: Plan) -> None:
    summary = example_plan.summary
    assert summary["member.create"] == 4 and summary["member.restore"] == 1 and summary["member.update"] >= 3
    assert summary["resources.transfer"] == 2 and summary["member.delete"] == 2
    transfers = {c.key: c.after_data() or {} for c in example_plan.changes if c.type == "resources"}
    assert transfers["frank"]["docs"] == {"count": 23, "default": False, "outcome": "transferred", "to": "grace"}
    assert transfers["frank"]["approvals"]["default"] is True
    assert all(use.assigned_after <= use.purchased for use in example_plan.seats)
    assert example_plan.ignored == ("member.svc-backup",)
    assert example_plan.applyable
