"""A flood of one mistake gets a short report: the first SHOWN_PER_RULE diagnostics of
each rule in each file, then one more, located where the first one left out is, that
counts the rest. Only what is shown is worded and located (that is what costs)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from orgstate.diagnostics import SHOWN_PER_RULE, Diagnostic, capped, error, warning
from tests.conftest import diagnose

FLOOD = 2000
BASE = """\
version: 1
org:
  name: Tiny
  plans: [{id: pro, edition: pro, seats: 5000, starts: 2026-01-01, expires: 2027-01-01}]
departments:
  - {id: eng, name: Engineering}
members:
  - {id: alice, name: Alice Liu, department: eng, work_email: alice@tiny.example}
"""


def members(template: str, start: int = 0) -> str:
    return "".join(template.format(i=i) for i in range(start, start + FLOOD))


def summaries(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if "not shown" in d.message]


@pytest.mark.parametrize(
    ("template", "rule", "count"),
    [
        # an unknown key in each member: worded (with a did-you-mean) 50 times only
        ("  - {{id: m{i}, name: M, department: eng, phone: '+1555010{i:04d}', departmnt: x}}\n", "CFG-SCHEMA", FLOOD),
        ("  - {{id: m{i}, name: M, department: nowhere, phone: '+1555010{i:04d}'}}\n", "REF-UNKNOWN", FLOOD),
        # the first of the 2,000 is no repeat
        ("  - {{id: m{i}, name: M, department: eng, work_email: same@tiny.example}}\n", "ID-UNIQUE", FLOOD - 1),
    ],
    ids=["schema", "reference", "uniqueness"],
)
def test_a_flood_gets_the_first_of_its_rule_and_a_count_of_the_rest(
    tmp_path: Path, template: str, rule: str, count: int
) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(BASE + members(template))
    _, diagnostics = diagnose(path)
    shown = [d for d in diagnostics if d.rule == rule and d not in summaries(diagnostics)]
    [summary] = [d for d in summaries(diagnostics) if d.rule == rule]
    assert len(shown) == SHOWN_PER_RULE
    assert summary.message.startswith(f"{count - SHOWN_PER_RULE:,} more {rule} problems in this file, not shown")
    assert (summary.severity, summary.file) == ("error", str(path))
    assert summary.line is not None and summary.line > max(d.line or 0 for d in shown[:10])
    assert all(d.line is not None and d.message for d in shown)
    if rule == "CFG-SCHEMA":
        assert all("did you mean 'department'" in d.message for d in shown if "departmnt" in d.message)


def test_each_file_is_capped_on_its_own(tmp_path: Path) -> None:
    template = "  - {{id: m{i}, name: M, department: nowhere, phone: '+1555{i:07d}'}}\n"
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "a.yaml").write_text(BASE + members(template))
    (tmp_path / "org" / "b.yaml").write_text("version: 1\nmembers:\n" + members(template, start=FLOOD))
    _, diagnostics = diagnose(tmp_path / "org")
    assert Counter((d.file, d.rule) for d in diagnostics) == {
        (str(tmp_path / "org" / "a.yaml"), "REF-UNKNOWN"): SHOWN_PER_RULE + 1,
        (str(tmp_path / "org" / "b.yaml"), "REF-UNKNOWN"): SHOWN_PER_RULE + 1,
    }


def test_as_many_as_the_cap_are_all_shown(tmp_path: Path) -> None:
    template = "  - {{id: m{i}, name: M, department: nowhere, phone: '+1555{i:07d}'}}\n"
    path = tmp_path / "org.yaml"
    path.write_text(BASE + "".join(template.format(i=i) for i in range(SHOWN_PER_RULE)))
    _, diagnostics = diagnose(path)
    assert len(diagnostics) == SHOWN_PER_RULE and not summaries(diagnostics)


def test_the_count_has_the_severest_severity_of_those_left_out() -> None:
    """A rule with milder cases first: the errors left out still fail the run."""
    found = [warning("SEAT-CAPACITY", f"w{i}", at=("members", i)) for i in range(SHOWN_PER_RULE)]
    found += [warning("SEAT-CAPACITY", "w", at=("members", 99)), error("SEAT-CAPACITY", "e", at=("members", 100))]
    kept = capped(found, lambda d: 0, lambda key: "org.yaml")
    [summary] = summaries(kept)
    assert (summary.severity, summary.at) == ("error", ("members", 99))
    assert summary.message.startswith("2 more SEAT-CAPACITY problems")
    assert len(kept) == SHOWN_PER_RULE + 1
