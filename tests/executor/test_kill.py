"""Crash safety: a real `orgstate apply`, killed with SIGKILL at many points and run
again, completes without repeating a completed change or losing one, and never deletes
a member before their transfers are done."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_orgstate

ORG = str(EXAMPLES / "org.yaml")


def apply_until(workdir: Path, args: list[str], lines_before_kill: int, pause: float) -> tuple[int, str] | None:
    """Run apply; once it has reported `lines_before_kill` changes, wait `pause` and kill it.
    Returns the exit code and everything it printed when it finished on its own first, else
    None."""
    with (workdir / "stderr.txt").open("w+") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "orgstate", "apply", *args],
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
        )
        assert process.stdout is not None
        seen = 0
        printed = []
        for line in process.stdout:
            printed.append(line)
            if line.startswith("c0"):
                seen += 1
                if seen >= lines_before_kill:
                    time.sleep(pause)
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    return None
        code = process.wait()
        stderr.seek(0)
        return code, "".join(printed) + stderr.read()


def tenant_audit(workdir: Path) -> list[tuple[str, str, str]]:
    """The tenant's own log of operations: (operation, target, detail), in order."""
    with sqlite3.connect(workdir / ".orgstate" / "tenant.db") as db:
        return db.execute("SELECT operation, target, detail FROM audit ORDER BY seq").fetchall()


@pytest.mark.parametrize("mode", ["saved plan", "plan and apply"])
def test_an_apply_killed_at_many_points_completes_exactly_once(tmp_path: Path, mode: str) -> None:
    assert run_orgstate("local", "init", "--from", str(EXAMPLES / "tenant.yaml"), cwd=tmp_path).returncode == 0
    if mode == "saved plan":
        assert run_orgstate("plan", "-f", ORG, "--out", "plan.json", cwd=tmp_path).returncode == 0
        args = ["plan.json"]
    else:
        args = ["-f", ORG, "--auto-approve"]
    rng = random.Random(20261121)
    kills = 0
    for _ in range(40):
        # Kill after the next 1-3 reported changes, a little later so that some kills land
        # in the middle of a change.
        finished = apply_until(tmp_path, args, rng.randint(1, 3), rng.choice([0, 0.001, 0.003, 0.01]))
        if finished is not None:
            break
        kills += 1
    else:
        pytest.fail("apply never completed")
    code, printed = finished
    assert code == 0, printed
    assert kills >= 8, "the kills should have landed at many points"

    after = run_orgstate("plan", "-f", ORG, "--detailed-exitcode", cwd=tmp_path)
    assert after.returncode == 0, after.stdout  # the end state is the desired one

    operations = tenant_audit(tmp_path)
    repeated = [op for op, count in Counter(operations).items() if count > 1]
    assert repeated == [], f"applied twice: {repeated}"
    order = [(operation, target) for operation, target, _ in operations]
    # frank's offboarding entry names recipients, moved before the deletion; victor's
    # resources follow the defaults, which his deletion carries out.
    transfer = order.index(("resources.transfer", "member.frank"))
    assert transfer < order.index(("member.delete", "member.frank")), "frank was deleted before his transfers"
    assert ("resources.transfer", "member.victor") not in order and ("member.delete", "member.victor") in order
