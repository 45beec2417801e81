"""The composite action (action.yml), run step by step as GitHub's runner runs it
(tests/gitops/runner.py), with Actions' environment: an event file, the output, path,
env and summary files, RUNNER_TEMP, and the GitHub API on loopback
(tests/github/fake_github.py). The tenant is the embedded one.

All but the last test use `install: 'false'` with this environment's orgstate on PATH;
the last one runs the install step for real, from a checkout of this repository."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bench.gen_org import generate

from orgstate.config.loader import load_config
from orgstate.tenant.fixture import init_tenant, state_for
from tests.conftest import EXAMPLES, ROOT, run_orgstate
from tests.github.fake_github import BODY_LIMIT, BOT, FakeGitHub, serve
from tests.gitops.conftest import package_index_problem
from tests.gitops.runner import Job, Result, run_action

PULL = 7
MERGE_SHA = "0123456789abcdef0123456789abcdef01234567"
RUN_ID = "4242"
EVENTS = {
    "pull_request": {"action": "synchronize", "number": PULL, "pull_request": {"number": PULL}},
    "push": {"ref": "refs/heads/main", "after": MERGE_SHA},
    "schedule": {"schedule": "17 6 * * *"},
}
DEV_BIN = str(Path(sys.executable).parent)  # this environment's orgstate
PLAN_LINE = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to remove\.")


def machine_environment() -> dict[str, str]:
    """The runner machine's own variables: this one's, less anything of Actions or orgstate
    (the suite may itself run in Actions) and less this environment's bin on PATH."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GITHUB_", "RUNNER_", "ORGSTATE_", "INPUT_")) and name not in {"VIRTUAL_ENV", "CI"}
    }
    kept["PATH"] = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != DEV_BIN)
    return kept


@dataclass
class Workflow:
    """A job that runs the action: its workspace (a copy of examples/) and GitHub."""

    github: FakeGitHub
    workspace: Path
    runner_temp: Path
    env: dict[str, str] = field(default_factory=dict)  # the job's own `env:`

    def run(self, event: str, action: Path = ROOT, dev_orgstate: bool = True, **inputs: str) -> Result:
        event_path = self.runner_temp / "event.json"
        event_path.write_text(json.dumps(EVENTS[event]))
        env = machine_environment()
        if dev_orgstate:
            env["PATH"] = DEV_BIN + os.pathsep + env["PATH"]
        env |= {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": self.github.repository,
            "GITHUB_SHA": MERGE_SHA,
            "GITHUB_API_URL": self.github.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": RUN_ID,
            **self.env,
        }
        given = {"install": "false", "backend": "local:tenant.db"} if dev_orgstate else {}
        job = Job(self.workspace, self.runner_temp, env, token=self.github.token)
        result = run_action(action, {**given, **{name.replace("_", "-"): value for name, value in inputs.items()}}, job)
        assert self.github.token not in result.log
        return result

    def orgstate(self, *args: str) -> str:
        """orgstate run by hand in the workspace, against the same tenant."""
        ran = run_orgstate(*args, cwd=self.workspace)
        assert ran.returncode in (0, 2), ran.stderr
        return ran.stdout

    def comments(self) -> list[str]:
        return [comment.body for comment in self.github.comments_on(PULL)]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    fake.add_pull_request(PULL)
    yield from serve(fake)


@pytest.fixture
def workflow(tmp_path: Path, github: FakeGitHub) -> Workflow:
    workspace, runner_temp = tmp_path / "workspace", tmp_path / "runner-temp"
    workspace.mkdir()
    runner_temp.mkdir()
    for name in ("org.yaml", "seats-basic.csv"):
        shutil.copy(EXAMPLES / name, workspace / name)
    seeded = run_orgstate(
        "local", "init", "--from", str(EXAMPLES / "tenant.yaml"), "--db", str(workspace / "tenant.db")
    )
    assert seeded.returncode == 0, seeded.stderr
    return Workflow(github, workspace, runner_temp)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_pull_request_plan_is_one_comment_updated_in_place_with_outputs_and_a_summary(workflow: Workflow) -> None:
    first = workflow.run("pull_request", command="plan")
    assert not first.failed, first.log
    plan = json.loads((workflow.workspace / "orgstate-plan.json").read_text())
    counts = PLAN_LINE.search(first.log)
    assert counts is not None, first.log
    assert first.outputs == {
        "exit-code": "2",
        "has-changes": "true",
        "plan-file": "orgstate-plan.json",
        "summary": json.dumps(plan["summary"]),
        "add": counts.group(1),
        "change": counts.group(2),
        "remove": counts.group(3),
        "changes-digest": plan["changes_digest"],
    }
    assert "::notice" in first.log  # --format github: annotations
    [comment] = workflow.comments()
    assert comment.startswith(f'<!-- orgstate:plan config="org.yaml" changes="{plan["changes_digest"]}" -->')
    assert [c.login for c in workflow.github.comments_on(PULL)] == [BOT]
    install, run = first.summaries
    assert install == "" and run.startswith("## orgstate plan")

    edit(workflow.workspace / "org.yaml", "title: Chief of Staff", "title: Head of Staff")
    second = workflow.run("pull_request", command="plan")
    assert not second.failed, second.log
    [updated] = workflow.comments()
    assert updated != comment and second.outputs["changes-digest"] in updated
    assert second.outputs["changes-digest"] != first.outputs["changes-digest"]
    assert len(workflow.github.sent("POST", r"/comments$")) == 1
    assert len(workflow.github.sent("PATCH", r"/issues/comments/")) == 1


def test_a_plan_of_10000_changes_fits_one_comment(workflow: Workflow) -> None:
    text = generate(10_000, 20, 1)
    (workflow.workspace / "org.yaml").write_text(text.replace("name: Member ", "name: Renamed Member "))
    live = workflow.workspace / "live.yaml"
    live.write_text(text)
    loaded = load_config([live])
    assert loaded.config is not None
    init_tenant(workflow.workspace / "tenant.db", state_for(loaded.config, dt.date(2026, 11, 21)), replace=True)

    result = workflow.run("pull_request", command="plan")
    assert not result.failed, result.log[-3000:]
    assert result.outputs["change"] == "10000"
    [comment] = workflow.comments()
    assert len(comment) <= BODY_LIMIT
    assert result.outputs["changes-digest"] in comment
    # What did not fit is counted, and the note links to the job summary, which holds more.
    assert f"/actions/runs/{RUN_ID}" in comment
    _, run = result.summaries
    assert len(run) > len(comment)


def test_apply_after_merge_applies_the_reviewed_changes(workflow: Workflow) -> None:
    assert not workflow.run("pull_request", command="plan").failed
    workflow.github.merge(PULL, MERGE_SHA)
    (workflow.workspace / "orgstate-plan.json").unlink()  # a new job: the plan file is not there

    applied = workflow.run("push", command="apply")
    assert not applied.failed, applied.log
    assert applied.outputs["exit-code"] == "0"
    assert applied.outputs["plan-file"] == ""
    assert "Apply complete" in applied.log
    assert applied.summaries[1]  # apply's report in the job summary
    assert "No changes." in workflow.orgstate("plan", "-f", "org.yaml", "--backend", "local:tenant.db")


def test_apply_after_merge_refuses_changes_that_were_not_reviewed(workflow: Workflow) -> None:
    assert not workflow.run("pull_request", command="plan").failed
    workflow.github.merge(PULL, MERGE_SHA)
    (workflow.workspace / "orgstate-plan.json").unlink()
    edit(workflow.workspace / "org.yaml", "title: Chief of Staff", "title: Head of Staff")  # not what was reviewed

    refused = workflow.run("push", command="apply")
    assert refused.failed
    assert refused.outputs["exit-code"] == "1"
    assert "differ from the reviewed ones" in refused.log
    assert json.loads(workflow.orgstate("log", "--format", "json")) == []  # nothing was applied


def test_apply_of_a_signed_plan_file_and_a_tampered_one(workflow: Workflow) -> None:
    workflow.env["ORGSTATE_PLAN_KEY"] = "k" * 40
    planned = workflow.run("push", command="plan")  # not a pull request: no comment
    assert planned.outputs["exit-code"] == "2" and workflow.github.requests == []
    saved = workflow.workspace / planned.outputs["plan-file"]
    assert json.loads(saved.read_text())["signature"].startswith("hmac-sha256:")

    pristine = saved.read_text()
    saved.write_text(pristine.replace("Senior Site Reliability Engineer", "Chief Everything Officer"))
    tampered = workflow.run("push", command="apply")
    assert tampered.failed and tampered.outputs["exit-code"] == "1"
    assert json.loads(workflow.orgstate("log", "--format", "json")) == []

    saved.write_text(pristine)
    applied = workflow.run("push", command="apply")
    assert not applied.failed, applied.log
    assert applied.outputs == {**{name: "" for name in applied.outputs}, "exit-code": "0", "plan-file": saved.name}
    assert "No changes." in workflow.orgstate("plan", "-f", "org.yaml", "--backend", "local:tenant.db")


def test_drift_keeps_one_issue_and_closes_it_when_the_drift_is_gone(workflow: Workflow) -> None:
    for _ in range(2):
        drifted = workflow.run("schedule", command="drift")
        assert not drifted.failed, drifted.log
        assert (drifted.outputs["exit-code"], drifted.outputs["has-changes"]) == ("2", "true")
        [issue] = workflow.github.open_issues()
        assert issue.body is not None and issue.body.startswith('<!-- orgstate:drift config="org.yaml" -->')
    assert len(workflow.github.sent("POST", r"/issues$")) == 1

    workflow.orgstate("apply", "-f", "org.yaml", "--backend", "local:tenant.db", "--auto-approve")
    clean = workflow.run("schedule", command="drift")
    assert (clean.outputs["exit-code"], clean.outputs["has-changes"]) == ("0", "false")
    assert workflow.github.open_issues() == [] and issue.state == "closed"


def test_with_comments_off_drift_reports_without_github(workflow: Workflow) -> None:
    drifted = workflow.run("schedule", command="drift", comment="off")
    assert not drifted.failed, drifted.log
    assert (drifted.outputs["exit-code"], drifted.outputs["has-changes"]) == ("2", "true")
    assert workflow.github.requests == [] and drifted.summaries[1].startswith("## Drift in")


def test_validate_fails_the_step_with_located_annotations(workflow: Workflow) -> None:
    edit(workflow.workspace / "org.yaml", "manager: founder", "manager: fonder")
    result = workflow.run("pull_request", command="validate")
    assert result.failed and result.outputs["exit-code"] == "1"
    assert re.search(r"^::error file=[^,]*org\.yaml,line=\d+,col=\d+,title=REF-UNKNOWN::", result.log, re.M)
    assert workflow.github.requests == []


def test_a_bad_input_fails_the_step_and_says_why(workflow: Workflow) -> None:
    result = workflow.run("pull_request", command="destroy")
    assert result.failed and result.outputs["exit-code"] == "1"
    assert "The input command must be validate, plan, apply or drift." in result.log


def test_the_install_step_installs_orgstate_from_the_checkout_through_the_lock(
    workflow: Workflow, project_copy: Path
) -> None:
    """`install: 'true'` (the default), for real: pip installs the checkout with its
    constraints into RUNNER_TEMP; no other orgstate is on PATH."""
    if problem := package_index_problem(workflow.runner_temp / "probe"):
        pytest.skip(f"the package index is unreachable, so nothing can be installed: {problem}")
    result = workflow.run("pull_request", action=project_copy, dev_orgstate=False, command="validate")
    assert not result.failed, result.log[-3000:]
    installed = workflow.runner_temp / "orgstate-venv" / "bin" / "orgstate"
    assert installed.exists()
    assert "orgstate, version" in result.log and result.outputs["exit-code"] == "0"
