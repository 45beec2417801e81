"""orgstate github outputs: the step outputs, in $GITHUB_OUTPUT's multi-line-safe syntax."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from orgstate.github.outputs import output_lines
from orgstate.render.plan_json import read_plan
from tests.github.conftest import Actions, Orgstate


def parse_outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT as the runner reads it: `name=value` lines and `name<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            else:
                raise AssertionError(f"{name}: no closing delimiter")
            values[name] = "\n".join(block)
        elif line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def test_the_outputs_of_a_plan(actions: Actions, orgstate: Orgstate) -> None:
    actions.output.write_text("earlier=kept\n")
    plan_file = actions.plan(actions.tenant())
    result = orgstate("github", "outputs", "--plan", str(plan_file))
    assert (result.code, result.out, result.err) == (0, "", "")
    plan = read_plan(plan_file)
    outputs = parse_outputs(actions.output.read_text())
    assert outputs == {
        "earlier": "kept",
        "has-changes": "true",
        "applyable": "true",
        "add": "21",
        "change": "14",
        "remove": "6",
        "summary": json.dumps(plan.summary),
        "changes-digest": plan.changes_digest,
        "estimate-seconds": outputs["estimate-seconds"],
    }
    assert re.fullmatch(r"(\d+\.\d)?", outputs["estimate-seconds"])


def test_a_plan_without_changes(actions: Actions, orgstate: Orgstate) -> None:
    plan_file = actions.plan(actions.converged_tenant())
    assert orgstate("github", "outputs", "--plan", str(plan_file)).code == 0
    outputs = parse_outputs(actions.output.read_text())
    assert (outputs["has-changes"], outputs["add"], outputs["summary"]) == ("false", "0", "{}")


def test_a_value_cannot_set_another_output() -> None:
    text = output_lines({"summary": "line one\nchanges-digest=forged\nEOF", "add": "1"})
    assert parse_outputs(text) == {"summary": "line one\nchanges-digest=forged\nEOF", "add": "1"}


def test_without_github_output_it_says_so(
    actions: Actions, orgstate: Orgstate, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT")
    result = orgstate("github", "outputs", "--plan", str(tmp_path / "plan.json"))
    assert result.code == 1 and result.err.startswith("error: GITHUB_OUTPUT is not set")


def test_a_forged_plan_sets_no_output(actions: Actions, orgstate: Orgstate) -> None:
    plan_file = actions.plan(actions.tenant())
    plan_file.write_text(plan_file.read_text().replace('"member.update"', '"member.updated"', 1))
    result = orgstate("github", "outputs", "--plan", str(plan_file))
    assert (result.code == 1 and "not an orgstate plan" in result.err) or "changed after" in result.err
    assert not actions.output.exists()
