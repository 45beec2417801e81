"""A composite action's steps, run the way GitHub's runner runs them, for the parts that
action.yml uses; everything else is refused, so this runner cannot quietly differ from
GitHub's.

What it does, as the runner (actions/runner: CompositeActionHandler, FileCommandManager)
does it:
- evaluates `${{ }}` in input defaults, step `env`, `working-directory` and `run`:
  `inputs.NAME`, `steps.ID.outputs.NAME` (empty when unset), `github.action_path`,
  `github.token` and `runner.temp`; any other expression is an error;
- runs each `shell: bash` step as `bash --noprofile --norc -eo pipefail FILE`, the
  script in a file, in `working-directory` (relative to the workspace), with the job's
  environment, GITHUB_ACTION_PATH and the step's `env`; composite actions get no
  INPUT_* variables;
- gives each step new GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY
  files and reads them after it: `NAME=value` and `NAME<<DELIMITER` lines, paths
  prepended to PATH (the last added first), a summary over 1 MiB refused;
- stops at the first failing step, then evaluates the action's `outputs`, as the runner
  does after a failure too.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
STEP_OUTPUT = re.compile(rf"steps\.({NAME})\.outputs\.({NAME})")
INPUT = re.compile(rf"inputs\.({NAME})")
STEP_KEYS = {"name", "id", "shell", "run", "env", "working-directory"}
SUMMARY_LIMIT = 1024 * 1024  # GitHub refuses a step summary larger than this
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


def load_yaml(path: Path) -> Any:
    """A workflow or action file, read as GitHub reads it: YAML 1.2, where `on` and `off`
    are strings, not booleans."""
    return YAML(typ="safe").load(path.read_text())


class Unsupported(Exception):
    """action.yml uses something this runner does not do as GitHub does."""


@dataclass
class Job:
    """What the workflow job around the action provides."""

    workspace: Path
    runner_temp: Path
    env: dict[str, str]  # the job's environment (GITHUB_* variables and the rest; RUNNER_TEMP and
    # GITHUB_WORKSPACE are set from the fields below)
    token: str  # `github.token`: the runner gives it as an expression, not as a variable


@dataclass
class Result:
    outputs: dict[str, str]
    failed: bool
    log: str  # standard output and error of every step, as the job log shows them
    summaries: list[str] = field(default_factory=list)  # each step's GITHUB_STEP_SUMMARY


@dataclass
class _Context:
    inputs: dict[str, str]
    action_path: Path
    job: Job
    step_ids: set[str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)

    def evaluate(self, text: str) -> str:
        return EXPRESSION.sub(lambda match: self._value(match.group(1).strip()), text)

    def _value(self, expression: str) -> str:
        if found := INPUT.fullmatch(expression):
            if found.group(1) not in self.inputs:
                raise Unsupported(f"unknown input in ${{{{ {expression} }}}}")
            return self.inputs[found.group(1)]
        if found := STEP_OUTPUT.fullmatch(expression):
            if found.group(1) not in self.step_ids:
                raise Unsupported(f"no step with id {found.group(1)!r} in ${{{{ {expression} }}}}")
            return self.steps.get(found.group(1), {}).get(found.group(2), "")
        known = {
            "github.action_path": str(self.action_path),
            "github.token": self.job.token,
            "runner.temp": str(self.job.runner_temp),
        }
        if expression not in known:
            raise Unsupported(f"this runner does not evaluate ${{{{ {expression} }}}}")
        return known[expression]


def run_action(action_path: Path, inputs: dict[str, str], job: Job, timeout: float = 300) -> Result:
    """Run the composite action in `action_path` with these `with:` inputs."""
    action = load_yaml(action_path / "action.yml")
    if action["runs"]["using"] != "composite":
        raise Unsupported(f"runs.using: {action['runs']['using']}")
    declared = action.get("inputs", {})
    unknown = set(inputs) - set(declared)
    if unknown:
        raise Unsupported(f"inputs the action does not declare: {sorted(unknown)}")
    steps = action["runs"]["steps"]
    for step in steps:  # the whole file is checked first, as GitHub reads it before it runs a step
        if set(step) - STEP_KEYS or step.get("shell") != "bash":
            raise Unsupported(f"a step this runner does not run as GitHub does: {step}")
    context = _Context({}, action_path, job, {step["id"] for step in steps if "id" in step})
    for name, spec in declared.items():
        if name in inputs:
            context.inputs[name] = inputs[name]
        elif spec.get("required"):
            raise ValueError(f"input {name!r} is required")
        else:
            context.inputs[name] = context.evaluate(str(spec.get("default", "")))

    env = {**job.env, "RUNNER_TEMP": str(job.runner_temp), "GITHUB_WORKSPACE": str(job.workspace)}
    prepended: list[str] = []
    log: list[str] = []
    summaries: list[str] = []
    failed = False
    for step in steps:
        files = _file_commands(job.runner_temp)
        step_env = {
            **env,
            "PATH": os.pathsep.join([*reversed(prepended), env["PATH"]]),
            "GITHUB_ACTION_PATH": str(action_path),
            **{f"GITHUB_{kind.upper()}": str(path) for kind, path in files.items()},
            **{key: context.evaluate(str(value)) for key, value in step.get("env", {}).items()},
        }
        script = job.runner_temp / f"{uuid.uuid4()}.sh"
        script.write_text(context.evaluate(step["run"]))
        directory = job.workspace / context.evaluate(step.get("working-directory", "."))
        completed = subprocess.run(
            [*BASH, str(script)],
            cwd=directory,
            env=step_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        log.append(completed.stdout)
        if "id" in step:
            context.steps[step["id"]] = parse_key_values(files["output"].read_text())
        env.update(parse_key_values(files["env"].read_text()))
        for line in files["path"].read_text().splitlines():
            if line:
                prepended = [path for path in prepended if path != line] + [line]
        summary = files["step_summary"].read_bytes()
        if len(summary) > SUMMARY_LIMIT:
            raise AssertionError(
                f"a step summary of {len(summary):,} bytes: GitHub refuses more than {SUMMARY_LIMIT:,}"
            )
        summaries.append(summary.decode())
        if completed.returncode != 0:
            failed = True
            break

    outputs = {name: context.evaluate(str(spec["value"])) for name, spec in action.get("outputs", {}).items()}
    return Result(outputs, failed, "".join(log), summaries)


def _file_commands(runner_temp: Path) -> dict[str, Path]:
    directory = runner_temp / "_runner_file_commands"
    directory.mkdir(parents=True, exist_ok=True)
    suffix = uuid.uuid4()
    files = {kind: directory / f"{prefix}{suffix}" for kind, prefix in _PREFIXES.items()}
    for path in files.values():
        path.touch()
    return files


_PREFIXES = {"output": "set_output_", "env": "set_env_", "path": "add_path_", "step_summary": "step_summary_"}


def parse_key_values(text: str) -> dict[str, str]:
    """A GITHUB_OUTPUT or GITHUB_ENV file, read as the runner reads it."""
    values: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line.split("=", 1)
        elif heredoc >= 0:
            name, delimiter = line.split("<<", 1)
            if not name or not delimiter:
                raise ValueError(f"invalid line {line!r}: a name and a delimiter are needed")
            body: list[str] = []
            for value_line in lines:
                if value_line == delimiter:
                    break
                body.append(value_line)
            else:
                raise ValueError(f"matching delimiter not found: {delimiter!r}")
            value = "\n".join(body)
        else:
            raise ValueError(f"invalid line {line!r}")
        if not name:
            raise ValueError(f"invalid line {line!r}: the name is empty")
        values[name] = value
    return values
