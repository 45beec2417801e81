"""The shipped examples: the valid ones are clean, each invalid one triggers exactly
its rule at the line marked `# expect: RULE`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orgstate.catalogue import STATIC_RULES
from tests.conftest import EXAMPLES, diagnose, run_orgstate

INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))
EXPECT = re.compile(r"#\s*expect:\s*([A-Z-]+)")


def expectation(path: Path) -> tuple[str, int]:
    marks = [
        (match.group(1), number)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if (match := EXPECT.search(line))
    ]
    assert len(marks) == 1, f"{path.name} needs exactly one '# expect: RULE' mark"
    return marks[0]


@pytest.mark.parametrize("target", ["org.yaml", "org-split"])
def test_valid_examples_exit_zero(target: str) -> None:
    result = run_orgstate("validate", "-f", f"examples/{target}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "no problems"


def test_the_example_is_realistic() -> None:
    loaded, _ = diagnose(EXAMPLES / "org.yaml")
    config = loaded.config
    assert config is not None
    parents = {d.id: d.parent for d in config.departments}
    assert len(config.members) >= 40
    assert len(config.departments) >= 6
    assert any(parent is not None and parents[parent] is not None for parent in parents.values())
    assert len(config.user_groups) >= 4
    assert len([plan for plan in config.org.plans if plan.is_paid]) >= 2
    assert config.fields
    assert {rule.source for rule in config.seat_assignments} == {"departments", "all_members", "from_plan", "from_file"}
    assert len(config.offboarding) == 1


@pytest.mark.parametrize("path", INVALID, ids=[path.stem for path in INVALID])
def test_each_invalid_example_triggers_exactly_its_rule(path: Path) -> None:
    rule, line = expectation(path)
    _, diagnostics = diagnose(path)
    assert [(d.rule, d.severity, d.line) for d in diagnostics] == [(rule, "error", line)]
    assert path.stem.upper() == rule


def test_every_static_rule_has_an_invalid_example() -> None:
    assert sorted(expectation(path)[0] for path in INVALID) == sorted(STATIC_RULES)


@pytest.mark.parametrize("path", INVALID[:3], ids=[path.stem for path in INVALID[:3]])
def test_invalid_examples_exit_one_on_the_command_line(path: Path) -> None:
    rule, line = expectation(path)
    result = run_orgstate("validate", "-f", str(path.relative_to(EXAMPLES.parent)))
    assert result.returncode == 1
    assert f"{path.relative_to(EXAMPLES.parent)}:{line}:" in result.stdout
    assert rule in result.stdout
