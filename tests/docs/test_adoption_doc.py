"""docs/adoption.md: the walkthrough's commands, run in order from its `sh` code blocks
in a temporary directory beside a copy of examples/, with each outcome it states:
`# prints: TEXT` (on standard output) and `# exit: N` check the command before them.
`git` lines are skipped (committing needs a git identity, and checks nothing of ours);
`console` blocks (the Lark tenant) are shown, not run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT

DOC = ROOT / "docs" / "adoption.md"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.M | re.S)


def steps() -> list[tuple[str, list[str]]]:
    """Each command with the outcomes stated after it."""
    found: list[tuple[str, list[str]]] = []
    for block in SH_BLOCK.findall(DOC.read_text()):
        for line in block.splitlines():
            if line.startswith("# "):
                found[-1][1].append(line[2:])
            elif line.strip():
                found.append((line, []))
    return found


def test_the_walkthrough_has_commands_and_outcomes() -> None:
    commands = [command for command, _ in steps()]
    assert "orgstate export --split org" in commands
    assert sum(bool(outcomes) for _, outcomes in steps()) >= 6
    assert "No changes" in DOC.read_text() and "lark:https://open.larksuite.com" in DOC.read_text()


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    env.pop("ORGSTATE_BACKEND", None)
    cwd = tmp_path
    where = tmp_path / ".cwd"
    for command, outcomes in steps():
        if command.startswith("git "):
            continue
        script = f'{command}\nstatus=$?\npwd > "{where}"\nexit $status\n'
        result = subprocess.run(
            ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        cwd = Path(where.read_text().strip())
        expected_exit = 0
        for outcome in outcomes:
            kind, _, value = outcome.partition(": ")
            if kind == "prints":
                assert value in result.stdout, (command, result.stdout, result.stderr)
            elif kind == "exit":
                expected_exit = int(value)
            else:
                raise AssertionError(f"docs/adoption.md: unknown outcome {outcome!r} after {command!r}")
        assert result.returncode == expected_exit, (command, result.returncode, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
