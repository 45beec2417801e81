"""Real `orgstate apply` processes for tests: a work directory with the example tenant and
a plan long enough to stop in the middle of, an apply running in a child process whose
output is read as it comes, and a way to hold it still (the tenant busy)."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import yaml
from sqlalchemy import select

from orgstate.statestore import open_store
from orgstate.statestore.schema import journal
from tests.conftest import EXAMPLES, run_orgstate

EXTRA_DEPARTMENTS = 300  # with the example's 41 changes: 341, a few seconds of work


def long_plan_workdir(workdir: Path, *state: str) -> Path:
    """The example tenant in `workdir`, and `plan.json`: the example's changes and
    EXTRA_DEPARTMENTS new departments."""
    config = yaml.safe_load((EXAMPLES / "org.yaml").read_text())
    config["departments"] += [{"id": f"gen-{n:03d}", "name": f"Generated {n:03d}"} for n in range(EXTRA_DEPARTMENTS)]
    (workdir / "org.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (workdir / "seats-basic.csv").write_bytes((EXAMPLES / "seats-basic.csv").read_bytes())
    assert run_orgstate("local", "init", "--from", str(EXAMPLES / "tenant.yaml"), cwd=workdir).returncode == 0
    planned = run_orgstate("plan", "-f", "org.yaml", "--out", "plan.json", *state, cwd=workdir)
    assert planned.returncode == 0, planned.stderr
    return workdir


class ApplyProcess:
    """`orgstate apply ARGS` in a child process; its output lines are collected as they come."""

    def __init__(self, workdir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "orgstate", "apply", *args],
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
        )
        self.lines: list[str] = []
        self.stderr = ""
        self._changes: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("c0"):
                self._changes.put(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_for_changes(self, count: int, timeout: float = 60) -> None:
        """Until the apply has reported `count` changes."""
        deadline = time.monotonic() + timeout
        for _ in range(count):
            self._changes.get(timeout=max(0.1, deadline - time.monotonic()))

    def change_lines(self) -> list[str]:
        return [line for line in self.lines if line.startswith("c0")]

    def signal(self, number: signal.Signals) -> None:
        self.process.send_signal(number)

    def finish(self, timeout: float = 120) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()
        return code

    @property
    def stdout(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def tenant_busy(workdir: Path) -> Iterator[None]:
    """Hold the tenant's write lock: an apply stops at its next write to the tenant (inside
    a change) until the block ends (it waits up to 30 s)."""
    db = sqlite3.connect(workdir / ".orgstate" / "tenant.db", isolation_level=None, timeout=30)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
        db.execute("ROLLBACK")
    finally:
        db.close()


def tenant_operations(tenant: Path) -> list[tuple[str, str, str]]:
    """The tenant's own log of operations: (operation, target, detail), in order."""
    with sqlite3.connect(tenant) as db:
        return db.execute("SELECT operation, target, detail FROM audit ORDER BY seq").fetchall()


def repeated_operations(tenant: Path) -> list[tuple[str, str, str]]:
    return [op for op, count in Counter(tenant_operations(tenant)).items() if count > 1]


def journal_statuses(state_url: str) -> Counter[str]:
    """How many journal rows of every plan are in each status."""
    with closing(open_store(state_url)) as store, store.engine.connect() as db:
        return Counter(db.execute(select(journal.c.status)).scalars())
