"""Fixtures for the GitHub commands: the loopback GitHub, Actions' environment in a copy
of examples/, the embedded tenant, saved plans, and running the real command line
in-process through its one error boundary (`orgstate.cli.run`)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bench.gen_org import generate

from orgstate.cli import run
from orgstate.config.loader import load_config
from orgstate.planner.build import build_plan
from orgstate.render.plan_json import render_plan_json
from orgstate.tenant.fixture import init_tenant, state_for
from tests.conftest import EXAMPLES
from tests.github.fake_github import FakeGitHub, serve

PULL = 7
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    fake.add_pull_request(PULL)
    yield from serve(fake)


@dataclass(frozen=True)
class Actions:
    """A job step's world: the working directory (a copy of examples/), its files."""

    workdir: Path
    output: Path
    event: Path

    def tenant(self, name: str = "tenant.db") -> Path:
        """The embedded tenant of examples/tenant.yaml (drift against examples/org.yaml)."""
        db = self.workdir / name
        if not db.exists():
            assert run(["local", "init", "--from", "tenant.yaml", "--db", str(db)]) == 0
        return db

    def converged_tenant(self, name: str = "converged.db") -> Path:
        """A tenant that matches examples/org.yaml: no drift, no changes."""
        db = self.workdir / name
        loaded = load_config([self.workdir / "org.yaml"])
        assert loaded.config is not None
        init_tenant(db, state_for(loaded.config, dt.date(2026, 11, 21), founder="founder"))
        return db

    def plan(self, db: Path, name: str = "plan.json", *args: str) -> Path:
        out = self.workdir / name
        assert run(["plan", "-f", "org.yaml", "--backend", f"local:{db}", "--out", str(out), *args]) in (0, 2)
        return out


@pytest.fixture
def actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: FakeGitHub) -> Actions:
    for path in EXAMPLES.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": PULL, "pull_request": {"number": PULL}}))
    output = tmp_path / "github_output"
    for variable in ("ORGSTATE_BACKEND", "ORGSTATE_STATE", "ORGSTATE_PLAN_KEY", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(variable, raising=False)
    environment = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": github.url,
        "GITHUB_REPOSITORY": github.repository,
        "GITHUB_TOKEN": github.token,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_SHA": SHA,
        "GITHUB_WORKSPACE": str(tmp_path),
        "NO_COLOR": "1",
        "ORGSTATE_PROGRESS": "off",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return Actions(tmp_path, output, event)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


Orgstate = Callable[..., Ran]


@pytest.fixture
def orgstate(capsys: pytest.CaptureFixture[str]) -> Orgstate:
    """orgstate(*args) -> Ran: the command line, in-process, with what it printed."""

    def call(*args: str) -> Ran:
        capsys.readouterr()
        code = run(list(args))
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return call


@pytest.fixture(scope="session")
def big_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved plan of 10,000 changes (every member of a generated org renamed)."""
    where = tmp_path_factory.mktemp("big")
    text = generate(10_000, 20, 1)
    (where / "live.yaml").write_text(text)
    (where / "org.yaml").write_text(text.replace("name: Member ", "name: Renamed Member "))
    live, desired = load_config([where / "live.yaml"]), load_config([where / "org.yaml"])
    assert live.config is not None and desired.config is not None
    plan = build_plan(desired.config, state_for(live.config, dt.date(2026, 11, 21)), sources=desired.sources)
    assert len(plan.changes) == 10_000
    path = where / "plan.json"
    path.write_text(render_plan_json(plan))
    return path
