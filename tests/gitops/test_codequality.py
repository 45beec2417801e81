"""examples/gitlab/codequality.py (the converter docs/gitops.md shows): orgstate's
diagnostics in, a GitLab Code Quality report out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES, ROOT, run_orgstate

CONVERTER = ROOT / "examples" / "gitlab" / "codequality.py"
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def convert(diagnostics_json: str, *args: str) -> list[dict[str, Any]]:
    converted = subprocess.run(
        [sys.executable, str(CONVERTER), *args],
        input=diagnostics_json,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(converted.stdout))


def assert_code_quality(issues: list[dict[str, Any]]) -> None:
    """The fields GitLab's widget reads, with the types and values it accepts."""
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in GITLAB_SEVERITIES
        assert isinstance(issue["location"]["path"], str) and issue["location"]["lines"]["begin"] >= 1
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_validate_errors_become_located_issues() -> None:
    validated = run_orgstate("validate", "-f", "examples/invalid/ref-unknown.yaml", "--format", "json")
    assert validated.returncode == 1
    issues = convert(validated.stdout)
    assert_code_quality(issues)
    [issue] = issues
    assert issue["check_name"] == "REF-UNKNOWN" and issue["severity"] == "major"
    assert issue["location"] == {"path": "examples/invalid/ref-unknown.yaml", "lines": {"begin": 14}}
    assert "unknown member 'bbo'" in issue["description"] and "members[1].job.manager" in issue["description"]


def test_a_plans_diagnostics_convert_too_and_those_without_a_file_get_the_fallback(tmp_path: Path) -> None:
    db = tmp_path / "tenant.db"
    assert run_orgstate("local", "init", "--from", "examples/tenant.yaml", "--db", str(db)).returncode == 0
    saved = tmp_path / "plan.json"
    assert (
        run_orgstate("plan", "-f", "examples/org.yaml", "--backend", f"local:{db}", "--out", str(saved)).returncode == 0
    )
    plan = json.loads(saved.read_text())
    issues = convert(saved.read_text(), "examples/org.yaml")
    assert_code_quality(issues)
    assert len(issues) == len(plan["diagnostics"]) > 0
    severities = {"error": "major", "warning": "minor", "info": "info"}
    for diagnostic, issue in zip(plan["diagnostics"], issues, strict=True):
        assert issue["severity"] == severities[diagnostic["severity"]]
        assert issue["location"]["path"] == (diagnostic.get("file") or "examples/org.yaml")


def test_no_diagnostics_is_an_empty_report() -> None:
    clean = run_orgstate("validate", "-f", str(EXAMPLES / "org.yaml"), "--format", "json")
    assert clean.returncode == 0
    assert convert(clean.stdout) == []
