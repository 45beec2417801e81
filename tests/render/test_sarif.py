"""`--format sarif` (render/sarif.py): valid SARIF 2.1.0 by the OASIS schema
(tests/data/sarif-schema-2.1.0.json, validated with the draft it declares), one rule per
catalogue rule with its help from docs/rules.md, one result per diagnostic, and what
GitHub code scanning asks of each result."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from jsonschema.protocols import Validator

from orgstate import __version__
from orgstate.catalogue import CATALOGUE
from orgstate.diagnostics import Diagnostic
from orgstate.render.sarif import (
    LEVELS,
    RULES_PAGE,
    SARIF_SCHEMA,
    render_diagnostics_sarif,
    render_plan_sarif,
    rules_help,
)
from tests.conftest import ROOT, run_orgstate
from tests.render.test_annotations import empty_plan

SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
# Characters nothing may write raw: C0 but LF, DEL, C1, bidi controls, separators, surrogates.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")
HOSTILE = "bad\x1b[2J\r\nline\u202e\u2028 \ud800 ::error::x ##[add-mask]y"


@cache
def validator() -> Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def valid_sarif(text: str) -> dict[str, Any]:
    assert not RAW.search(text)
    document: dict[str, Any] = json.loads(text)
    errors = sorted(validator().iter_errors(document), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    return document


def github_ready(document: dict[str, Any]) -> None:
    """What code scanning needs of a result that has a file: a relative URI under the
    source root, and a region from line 1 on."""
    for result in document["runs"][0]["results"]:
        for location in result.get("locations", []):
            physical = location.get("physicalLocation")
            if physical is None:
                continue
            artifact = physical["artifactLocation"]
            assert artifact["uri"] and artifact.get("uriBaseId") == "%SRCROOT%"
            assert all(value >= 1 for value in physical.get("region", {}).values())


MIXED = [
    Diagnostic("REF-UNKNOWN", "error", "unknown member 'bbo'", "member.a", "org.yaml", 7, 76, "members[0].job.manager"),
    Diagnostic("DELETE-SUCCESSOR", "warning", "no successor", "member.b", "dir with space/ünï.yaml", 3, None, "x"),
    Diagnostic("SEAT-AUTO", "info", "a seat the console gives", None, "seats.csv", None, None, None),
    Diagnostic("LOGIN-NEEDS-SEAT", "warning", "1 active member(s) will hold no seat: rita"),
    Diagnostic("TRANSFER-DEFAULT", "info", "by default", "member.victor"),
    Diagnostic("NOT-A-RULE-ANY-MORE", "error", "from an old saved plan", file="org.yaml", line=1),
    Diagnostic("ID-UNIQUE", "error", HOSTILE, HOSTILE, f"{HOSTILE}.yaml", 2, 3, HOSTILE),
]


def test_a_mixed_run_is_valid_sarif() -> None:
    document = valid_sarif(render_diagnostics_sarif(MIXED))
    github_ready(document)
    assert document["$schema"] == SARIF_SCHEMA and document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("orgstate", __version__)
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [rule.id for rule in CATALOGUE]
    results = run["results"]
    assert len(results) == len(MIXED)
    for diagnostic, result in zip(MIXED, results, strict=True):
        assert result["ruleId"] == diagnostic.rule
        assert result["level"] == LEVELS[diagnostic.severity]
        if "ruleIndex" in result:
            assert rules[result["ruleIndex"]]["id"] == diagnostic.rule
        else:
            assert diagnostic.rule not in {rule.id for rule in CATALOGUE}


def test_locations_physical_and_logical() -> None:
    results = json.loads(render_diagnostics_sarif(MIXED))["runs"][0]["results"]
    assert results[0]["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "org.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 7, "startColumn": 76},
            },
            "logicalLocations": [
                {"fullyQualifiedName": "member.a", "kind": "resource"},
                {"fullyQualifiedName": "members[0].job.manager"},
            ],
        }
    ]
    assert results[0]["message"] == {"text": "member.a (members[0].job.manager): unknown member 'bbo'"}
    uri = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir%20with%20space/%C3%BCn%C3%AF.yaml"
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert "region" not in results[2]["locations"][0]["physicalLocation"]
    assert "locations" not in results[3]  # a plan-wide problem: nowhere to point at
    assert results[4]["locations"] == [
        {"logicalLocations": [{"fullyQualifiedName": "member.victor", "kind": "resource"}]}
    ]


def test_an_absolute_path_is_a_file_uri() -> None:
    document = json.loads(render_diagnostics_sarif([Diagnostic("CFG-SCHEMA", "error", "m", file="/srv/org/o.yaml")]))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file:///srv/org/o.yaml"}


def test_hostile_text_reads_back() -> None:
    result = json.loads(render_diagnostics_sarif(MIXED[-1:]))["runs"][0]["results"][0]
    assert result["message"]["text"] == f"{HOSTILE} ({HOSTILE}): {HOSTILE}"
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == HOSTILE


@pytest.mark.parametrize("rule", CATALOGUE, ids=[rule.id for rule in CATALOGUE])
def test_each_rule_carries_its_help(rule: Any) -> None:
    descriptor = next(
        d for d in json.loads(render_diagnostics_sarif([]))["runs"][0]["tool"]["driver"]["rules"] if d["id"] == rule.id
    )
    help_ = rules_help()[rule.id]
    assert descriptor["shortDescription"]["text"].lower().startswith(rule.summary.lower())
    assert descriptor["defaultConfiguration"] == {"level": LEVELS[rule.severity]}
    assert descriptor["helpUri"] == f"{RULES_PAGE}#{rule.id.lower()}"
    for field in ("triggered_when", "fix"):
        assert help_[field]["markdown"] in descriptor["help"]["markdown"]
        assert help_[field]["text"] in descriptor["help"]["text"]
    assert help_["triggered_when"]["markdown"] in descriptor["fullDescription"]["markdown"]


def test_an_empty_plan_is_valid_sarif() -> None:
    assert valid_sarif(render_plan_sarif(empty_plan()))["runs"][0]["results"] == []


def test_the_schema_check_can_fail() -> None:
    document = json.loads(render_diagnostics_sarif(MIXED[:1]))
    document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    document["runs"][0]["results"][0]["level"] = "fatal"
    messages = {error.message for error in validator().iter_errors(document)}
    assert any("'fatal' is not one of" in message for message in messages)
    assert any("0 is less than the minimum of 1" in message for message in messages)


# -- the command line --------------------------------------------------------------------


def test_validate_writes_sarif_and_exits_1() -> None:
    result = run_orgstate("validate", "-f", "examples/invalid/seat-capacity.yaml", "--format", "sarif")
    assert result.returncode == 1, result.stderr
    document = valid_sarif(result.stdout)
    github_ready(document)
    results = document["runs"][0]["results"]
    assert results and {r["ruleId"] for r in results} == {"SEAT-CAPACITY"}
    assert all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("examples/") for r in results
    )


def test_plan_writes_sarif_of_its_diagnostics(tmp_path: Path) -> None:
    db = tmp_path / "tenant.db"
    assert run_orgstate("local", "init", "--from", "examples/tenant.yaml", "--db", str(db)).returncode == 0
    saved = tmp_path / "plan.json"
    result = run_orgstate(
        "plan", "-f", "examples/org.yaml", "--backend", f"local:{db}", "--format", "sarif", "--out", str(saved)
    )
    assert result.returncode == 0, result.stderr
    document = valid_sarif(result.stdout)
    github_ready(document)
    diagnostics = json.loads(saved.read_text())["diagnostics"]
    results = document["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [(d["rule"], LEVELS[d["severity"]]) for d in diagnostics]
    assert {r["level"] for r in results} == {"warning", "note"}
    assert any("locations" not in r or "physicalLocation" not in r["locations"][0] for r in results)
    assert run_orgstate("show", str(saved), "--format", "sarif").stdout == result.stdout
