"""The JSON Schema: generated from the models, checked in, and true to the examples."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from orgstate.config.schema import org_schema, org_schema_text
from orgstate.config.yamlsafe import parse_yaml
from orgstate.render.plan_json import plan_schema_text
from tests.conftest import EXAMPLES, ROOT, run_orgstate

CHECKED_IN = ROOT / "schemas" / "org.schema.json"
EXAMPLE_FILES = [EXAMPLES / "org.yaml", *sorted((EXAMPLES / "org-split").glob("*.yaml"))]


def test_the_checked_in_schema_matches_the_models() -> None:
    assert CHECKED_IN.read_text() == org_schema_text(), "run: orgstate schema > schemas/org.schema.json"


def test_the_checked_in_plan_schema_matches_the_plan_document() -> None:
    path = ROOT / "schemas" / "plan.schema.json"
    assert path.read_text() == plan_schema_text(), "run: orgstate schema --plan > schemas/plan.schema.json"
    assert run_orgstate("schema", "--plan").stdout == plan_schema_text()


def test_orgstate_schema_prints_it() -> None:
    result = run_orgstate("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout) == org_schema()


@pytest.mark.parametrize("path", [EXAMPLES / "org.yaml"], ids=["org.yaml"])
def test_the_whole_example_validates_against_the_schema(path: Path) -> None:
    jsonschema.Draft202012Validator(org_schema()).validate(parse_yaml(path.read_bytes()))


def test_split_files_validate_against_the_schema_once_merged() -> None:
    # Each split file alone lacks `org`, so the schema applies to the merge.
    merged: dict[str, object] = {"version": 1}
    for path in sorted((EXAMPLES / "org-split").glob("*.yaml")):
        for key, value in parse_yaml(path.read_bytes()).items():
            if isinstance(value, list):
                merged.setdefault(key, [])
                merged[key] += value  # type: ignore[operator]
            else:
                merged[key] = value
    jsonschema.Draft202012Validator(org_schema()).validate(merged)


def test_the_schema_rejects_what_the_models_reject() -> None:
    document = parse_yaml((EXAMPLES / "invalid" / "cfg-schema.yaml").read_bytes())
    errors = list(jsonschema.Draft202012Validator(org_schema()).iter_errors(document))
    assert errors and any("fulltime" in error.message for error in errors)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[str(p.relative_to(EXAMPLES)) for p in EXAMPLE_FILES])
def test_examples_carry_the_editor_modeline(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    target = first.removeprefix("# yaml-language-server: $schema=")
    assert target != first
    assert (path.parent / target).resolve() == CHECKED_IN
