"""orgstate github drift-issue: one open issue per configuration, opened when drift
appears, updated while it lasts, closed with a comment when it is gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgstate.github.marker import DRIFT, Marker
from tests.github.conftest import Actions, Orgstate, Ran
from tests.github.fake_github import BODY_LIMIT, FakeGitHub

MARKER = Marker(DRIFT, "org.yaml").line()


def drift_issue(orgstate: Orgstate, db: Path, *args: str) -> Ran:
    return orgstate("github", "drift-issue", "-f", "org.yaml", "--backend", f"local:{db}", *args)


def test_the_issue_is_opened_updated_and_closed(github: FakeGitHub, actions: Actions, orgstate: Orgstate) -> None:
    drifted, converged = actions.tenant(), actions.converged_tenant()

    opened = drift_issue(orgstate, drifted)
    assert opened.code == 2, opened.err
    assert opened.out.startswith("Drift: ")
    [issue] = github.open_issues()
    assert opened.out.endswith(
        f"Opened issue #{issue.number}: https://github.example/acme/org-config/issues/{issue.number}\n"
    )
    assert issue.title == "orgstate: drift in Acme Robotics"
    assert issue.body is not None and issue.body.startswith(MARKER + "\n## Drift in Acme Robotics: ")
    assert len(issue.body) <= BODY_LIMIT

    issue.body = MARKER + "\nan older report"
    updated = drift_issue(orgstate, drifted)
    assert updated.code == 2 and f"Updated issue #{issue.number}" in updated.out
    assert github.open_issues() == [issue] and "an older report" not in (issue.body or "")

    closed = drift_issue(orgstate, converged)
    assert closed.code == 0, closed.err
    assert closed.out.startswith("No drift") and f"Closed issue #{issue.number}" in closed.out
    assert (issue.state, issue.state_reason) == ("closed", "completed")
    [note] = github.comments_on(issue.number)
    assert note.body.startswith("No drift as of ")

    quiet = drift_issue(orgstate, converged)
    assert (quiet.code, quiet.out.splitlines()) == (0, ["No drift: the tenant matches the configuration."])
    assert not github.sent("POST", "/issues$")[1:] and len(github.sent("PATCH")) == 2


def test_issues_and_pull_requests_of_others_are_left_alone(
    github: FakeGitHub, actions: Actions, orgstate: Orgstate
) -> None:
    forged = github.add_issue("orgstate: drift", MARKER + "\nforged", login="mallory")
    pull = github.add_pull_request(30, login="github-actions[bot]")
    pull.body = MARKER + "\na pull request"
    other = github.add_issue("another configuration", Marker(DRIFT, "teams").line())
    assert drift_issue(orgstate, actions.tenant()).code == 2
    ours = [i for i in github.open_issues() if i not in (forged, other)]
    assert len(ours) == 1 and ours[0].login == "github-actions[bot]"
    assert (forged.body, pull.body) == (MARKER + "\nforged", MARKER + "\na pull request")
    assert github.sent("GET", "/issues$")[0].query["creator"] == "github-actions[bot]"


def test_an_open_issue_is_found_among_many(github: FakeGitHub, actions: Actions, orgstate: Orgstate) -> None:
    ours = github.add_issue("orgstate: drift", MARKER + "\nold")
    for index in range(120):
        github.add_issue(f"report {index}", "a scheduled report of something else")
    result = drift_issue(orgstate, actions.tenant())
    assert result.code == 2 and f"Updated issue #{ours.number}" in result.out
    assert [r.query.get("page", "1") for r in github.sent("GET", "/issues$")] == ["1", "2"]


def test_a_failure_to_keep_the_issue_is_an_error(github: FakeGitHub, actions: Actions, orgstate: Orgstate) -> None:
    github.fail_next(403, "Resource not accessible by integration", method="POST")
    result = drift_issue(orgstate, actions.tenant())
    assert result.code == 1
    assert result.err.startswith("error: opening an issue in acme/org-config: GitHub answered 403")
    assert "issues: write" in result.err and github.token not in result.out + result.err


def test_without_a_token_nothing_is_read(
    github: FakeGitHub, actions: Actions, orgstate: Orgstate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    result = drift_issue(orgstate, actions.workdir / "no-tenant.db")
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith("error: GITHUB_TOKEN is not set")
    assert not (actions.workdir / "no-tenant.db").exists()
