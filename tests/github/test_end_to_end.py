"""The GitHub commands as a workflow step runs them: the real command line in a child
process, with Actions' environment, against the loopback GitHub. Standard error holds
orgstate's lines only: nothing of PyGithub's own console log (which a child process
would show, and an in-process run cannot see)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_orgstate
from tests.github.conftest import PULL, Actions
from tests.github.fake_github import FakeGitHub


@pytest.fixture
def plan_file(actions: Actions) -> Path:
    return actions.plan(actions.tenant())


def test_a_step_comments_through_a_rate_limit_and_says_only_its_own_lines(
    github: FakeGitHub, actions: Actions, plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORGSTATE_PROGRESS", "auto")
    github.rate_limit_next(1)
    result = run_orgstate("github", "comment", "--plan", str(plan_file), cwd=actions.workdir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Created the plan comment on pull request #{PULL}: ")
    assert result.stderr.splitlines() == [
        f"retrying GitHub GET /repos/{github.repository}/issues/{PULL}/comments in 1.0 s: GitHub answered 403 "
        "(attempt 2 of 4)"
    ]
    assert len(github.comments_on(PULL)) == 1


def test_a_refusal_is_one_line_and_no_token(github: FakeGitHub, actions: Actions, plan_file: Path) -> None:
    github.fail_next(403, "Resource not accessible by integration", count=4)
    result = run_orgstate("github", "comment", "--plan", str(plan_file), cwd=actions.workdir)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: listing the comments of pull request")
    assert github.token not in result.stdout + result.stderr
