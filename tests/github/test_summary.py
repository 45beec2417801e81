"""The job summary: plan, apply and drift append their markdown to $GITHUB_STEP_SUMMARY,
and the file never grows past GitHub's 1 MiB per step."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgstate.github.summary import FULL, LIMIT, append_summary
from orgstate.render.plan_json import read_plan
from orgstate.render.plan_markdown import render_plan_markdown
from tests.github.conftest import Actions, Orgstate


@pytest.fixture
def summary(actions: Actions, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = actions.workdir / "step_summary.md"
    path.write_text("## An earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    return path


def test_plan_drift_and_apply_append_their_reports(actions: Actions, orgstate: Orgstate, summary: Path) -> None:
    db = actions.tenant()
    backend = f"local:{db}"
    assert orgstate("plan", "-f", "org.yaml", "--backend", backend, "--format", "json").code == 0
    assert orgstate("drift", "-f", "org.yaml", "--backend", backend).code == 2
    applied = orgstate("apply", "-f", "org.yaml", "--backend", backend, "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    text = summary.read_text()
    assert text.startswith("## An earlier step\n\n## orgstate plan: 21 to add, 14 to change, 6 to remove\n")
    assert "\n## Drift in Acme Robotics: 21 changed" in text
    assert "\n## orgstate apply: complete\n\n41 applied, 0 done earlier, 0 failed, 0 skipped, 0 not started" in text
    assert "<details>" in text  # the plan's details, as the comment has them


def test_without_the_variable_nothing_is_written(actions: Actions, orgstate: Orgstate) -> None:
    assert orgstate("plan", "-f", "org.yaml", "--backend", f"local:{actions.tenant()}").code == 0
    assert sorted(p.name for p in actions.workdir.glob("*summary*")) == []


@pytest.mark.parametrize(
    ("free", "expected"),
    [
        (1_000, FULL),  # no room for a report: the note
        (10, ""),  # no room even for the note: nothing
    ],
)
def test_a_nearly_full_summary_gets_a_note_or_nothing(
    actions: Actions, orgstate: Orgstate, summary: Path, free: int, expected: str
) -> None:
    summary.write_text("x" * (LIMIT - free))
    assert orgstate("plan", "-f", "org.yaml", "--backend", f"local:{actions.tenant()}").code == 0
    text = summary.read_text()
    assert len(text.encode()) <= LIMIT
    assert text[LIMIT - free :] == (f"\n{expected}" if expected else "")


def test_a_large_plan_is_cut_to_the_room_left(tmp_path: Path, big_plan: Path) -> None:
    plan = read_plan(big_plan)
    path = tmp_path / "summary.md"
    path.write_text("é" * 100_000)  # 200,000 bytes already used
    append_summary(path, lambda limit: render_plan_markdown(plan, limit))
    size = path.stat().st_size
    assert LIMIT - 20_000 < size <= LIMIT
    assert "## orgstate plan: 0 to add, 10000 to change, 0 to remove" in path.read_text()


def test_text_longer_in_bytes_than_in_characters_is_rendered_again_shorter(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    asked: list[int] = []

    def render(limit: int) -> str:
        asked.append(limit)
        return "ü" * limit  # two bytes each

    append_summary(path, render)
    assert len(asked) == 2 and asked[1] < LIMIT // 2 + 1
    assert LIMIT - 10 <= path.stat().st_size <= LIMIT


def test_a_summary_that_cannot_be_written_is_a_warning(
    actions: Actions, orgstate: Orgstate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(actions.workdir))  # a directory
    result = orgstate("plan", "-f", "org.yaml", "--backend", f"local:{actions.tenant()}")
    assert result.code == 0
    assert result.err.startswith(f"warning: could not write the job summary {actions.workdir}: ")
