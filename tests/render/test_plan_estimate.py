"""How long apply will take, as the text form says it and the JSON form keeps it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from orgstate.config.loader import load_config
from orgstate.diagnostics import Diagnostic
from orgstate.planner.build import build_plan
from orgstate.planner.plan import EndpointEstimate, Estimate, Plan
from orgstate.render.plan_json import read_plan, render_plan_json
from orgstate.render.plan_text import duration_text, estimate_sentence, render_plan_text, summary_sentence
from orgstate.tenant.fixture import load_fixture
from tests.conftest import EXAMPLES

LARK = Estimate(
    seconds=200.04,
    endpoints={
        "contact.v3.user.patch": EndpointEstimate(requests=1000, seconds=19.0),
        "contact.v3.user.get": EndpointEstimate(requests=234, seconds=4.0),
    },
)


@pytest.fixture(scope="module")
def example_plan() -> Plan:
    loaded = load_config([EXAMPLES / "org.yaml"])
    assert loaded.config is not None
    return build_plan(loaded.config, load_fixture(EXAMPLES / "tenant.yaml"), sources=loaded.sources)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "less than a second"),
        (0.94, "less than a second"),
        (1.0, "1s"),
        (40.4, "40s"),
        (200.0, "3m 20s"),
        (2 * 3600 + 5 * 60 + 40, "2h 5m"),
    ],
)
def test_a_duration_reads_as_people_say_it(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("estimate", "sentence"),
    [
        (LARK, "Apply will take about 3m 20s (1,234 requests to the API)."),
        (
            Estimate(0.0, {"contact.v3.user.get": EndpointEstimate(3, 0.0)}),
            "Apply will take less than a second (3 requests to the API).",
        ),
        (Estimate(0.0), None),  # the local backend: no requests, nothing to say
        (None, None),  # a plan read from a 1.2 or 1.3 file
    ],
)
def test_the_estimate_is_one_sentence(example_plan: Plan, estimate: Estimate | None, sentence: str | None) -> None:
    assert estimate_sentence(dataclasses.replace(example_plan, estimate=estimate)) == sentence


def test_the_text_says_it_after_the_summary(example_plan: Plan) -> None:
    lines = render_plan_text(dataclasses.replace(example_plan, estimate=LARK)).splitlines()
    at = lines.index(summary_sentence(example_plan))
    assert lines[at + 1] == "Apply will take about 3m 20s (1,234 requests to the API)."


def test_a_plan_that_cannot_be_applied_has_no_estimate_line(example_plan: Plan) -> None:
    broken = Diagnostic(severity="error", rule="SEAT-CAPACITY", message="full")
    plan = dataclasses.replace(example_plan, estimate=LARK, diagnostics=(*example_plan.diagnostics, broken))
    assert estimate_sentence(plan) is None
    assert "Apply will take" not in render_plan_text(plan)


def test_a_saved_plan_keeps_its_estimate_and_changes_digest(example_plan: Plan, tmp_path: Path) -> None:
    plan = dataclasses.replace(example_plan, estimate=LARK)
    path = tmp_path / "plan.json"
    path.write_text(render_plan_json(plan))
    document = json.loads(path.read_text())
    assert document["format_version"] == "1.4"
    assert document["changes_digest"] == plan.changes_digest
    assert document["estimate"] == {
        "seconds": 200.04,
        "endpoints": {
            "contact.v3.user.get": {"requests": 234, "seconds": 4.0},
            "contact.v3.user.patch": {"requests": 1000, "seconds": 19.0},
        },
    }
    assert read_plan(path).estimate == LARK
    path.write_text(render_plan_json(example_plan))
    assert json.loads(path.read_text())["estimate"] is None
    assert read_plan(path).estimate is None
