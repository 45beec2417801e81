"""The test runner of composite actions (tests/gitops/runner.py) does what GitHub's
runner does for what it supports, and refuses the rest: otherwise the action tests
would prove nothing about GitHub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gitops.runner import Job, Unsupported, parse_key_values, run_action

FILE_COMMANDS = """\
name: t
description: t
inputs:
  greeting: {description: g, default: hello}
  token: {description: t, default: "${{ github.token }}"}
outputs:
  said: {description: s, value: "${{ steps.one.outputs.said }}"}
  lines: {description: l, value: "${{ steps.one.outputs.lines }}"}
  late: {description: l, value: "${{ steps.three.outputs.late }}"}
runs:
  using: composite
  steps:
    - id: one
      shell: bash
      env: {GREETING: "${{ inputs.greeting }}", TOKEN: "${{ inputs.token }}"}
      run: |
        echo "said=$GREETING $TOKEN" >> "$GITHUB_OUTPUT"
        printf 'lines<<EOF\\nfirst\\nsecond\\nEOF\\n' >> "$GITHUB_OUTPUT"
        printf 'MULTI<<END\\na\\nb\\nEND\\n' >> "$GITHUB_ENV"
        echo "$RUNNER_TEMP/first" >> "$GITHUB_PATH"
        echo "$RUNNER_TEMP/second" >> "$GITHUB_PATH"
        echo '# the summary' >> "$GITHUB_STEP_SUMMARY"
    - id: two
      shell: bash
      working-directory: sub
      env: {SAID: "${{ steps.one.outputs.said }}", HERE: "${{ github.action_path }}"}
      run: |
        echo "path=${PATH%%:*} multi=$MULTI said=$SAID dir=$PWD action=$GITHUB_ACTION_PATH"
        false | true
    - id: three
      shell: bash
      run: echo "late=never" >> "$GITHUB_OUTPUT"
"""


def action(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "action"
    directory.mkdir()
    (directory / "action.yml").write_text(text)
    return directory


def job(tmp_path: Path) -> Job:
    (tmp_path / "workspace" / "sub").mkdir(parents=True)
    (tmp_path / "temp").mkdir()
    return Job(tmp_path / "workspace", tmp_path / "temp", {"PATH": os.environ["PATH"]}, token="t0k")


def test_file_commands_expressions_and_a_failing_step(tmp_path: Path) -> None:
    ran = run_action(action(tmp_path, FILE_COMMANDS), {}, job(tmp_path))
    temp, workspace = tmp_path / "temp", tmp_path / "workspace"
    # The last path added comes first; the environment and the output carry to the next step.
    assert f"path={temp}/second multi=a\nb said=hello t0k dir={workspace}/sub action={tmp_path}/action" in ran.log
    # `false | true` fails under -o pipefail: step three never runs; outputs are evaluated all the same.
    assert ran.failed
    assert ran.outputs == {"said": "hello t0k", "lines": "first\nsecond", "late": ""}
    assert ran.summaries == ["# the summary\n", ""]


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("${{ github.event.number }}", "does not evaluate"),
        ("${{ inputs.nope }}", "unknown input"),
        ("${{ steps.nope.outputs.x }}", "no step with id"),
        ("${{ inputs.greeting == 'hello' }}", "does not evaluate"),
    ],
)
def test_an_expression_it_does_not_know_is_refused(tmp_path: Path, expression: str, problem: str) -> None:
    text = FILE_COMMANDS.replace('"${{ inputs.greeting }}"', f'"{expression}"')
    with pytest.raises(Unsupported, match=problem):
        run_action(action(tmp_path, text), {}, job(tmp_path))


@pytest.mark.parametrize("extra", ["if: always()", "uses: actions/checkout@v4", "continue-on-error: true"])
def test_a_step_it_does_not_run_as_github_does_is_refused_before_any_step_runs(tmp_path: Path, extra: str) -> None:
    text = FILE_COMMANDS.replace("    - id: three\n", f"    - id: three\n      {extra}\n")
    with pytest.raises(Unsupported):
        run_action(action(tmp_path, text), {}, job(tmp_path))
    assert not list((tmp_path / "temp").glob("*.sh"))


def test_a_shell_other_than_bash_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Unsupported):
        run_action(action(tmp_path, FILE_COMMANDS.replace("shell: bash", "shell: sh", 1)), {}, job(tmp_path))


def test_an_input_the_action_does_not_declare_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Unsupported, match="does not declare"):
        run_action(action(tmp_path, FILE_COMMANDS), {"greting": "hi"}, job(tmp_path))


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("a=1\n\nb==2\n", {"a": "1", "b": "=2"}),
        ("a<<X\nline=1\n\nX\n", {"a": "line=1\n"}),
        ("a<<X\nX\n", {"a": ""}),
    ],
)
def test_key_values_are_read_as_the_runner_reads_them(text: str, values: dict[str, str]) -> None:
    assert parse_key_values(text) == values


@pytest.mark.parametrize("text", ["a<<X\nnever closed\n", "novalue\n", "=1\n"])
def test_a_malformed_file_command_is_an_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_key_values(text)
