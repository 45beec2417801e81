"""orgstate github comment, over real HTTP against the loopback GitHub: one comment per
configuration, found again by its marker and author, updated in place, never over
GitHub's 65,536 characters, retried through a secondary rate limit, and every
failure one clear line that never holds the token."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from orgstate.github.environment import run_url
from orgstate.render.plan_json import read_plan
from tests.github.conftest import PULL, Actions, Orgstate, Ran
from tests.github.fake_github import BODY_LIMIT, FakeGitHub

MARKER = '<!-- orgstate:plan config="org.yaml"'


@pytest.fixture
def plan_file(actions: Actions) -> Path:
    return actions.plan(actions.tenant())


def comment(orgstate: Orgstate, plan: Path, *args: str) -> Ran:
    return orgstate("github", "comment", "--plan", str(plan), *args)


def test_the_first_run_creates_the_comment_and_the_next_updates_it(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path
) -> None:
    first = comment(orgstate, plan_file)
    assert first.code == 0, first.err
    assert first.out.startswith(f"Created the plan comment on pull request #{PULL}: https://github.example/")
    [posted] = github.comments_on(PULL)
    digest = read_plan(plan_file).changes_digest
    assert posted.body.startswith(f'{MARKER} changes="{digest}" -->\n## orgstate plan: ')
    assert f"Changes digest: `{digest}`" in posted.body

    second = comment(orgstate, plan_file)
    assert second.code == 0, second.err
    assert second.out.startswith("Updated the plan comment")
    assert [c.id for c in github.comments_on(PULL)] == [posted.id]
    assert len(github.sent("POST")) == 1 and len(github.sent("PATCH", r"/issues/comments/")) == 1


def test_a_copy_left_by_a_retried_create_is_deleted(github: FakeGitHub, orgstate: Orgstate, plan_file: Path) -> None:
    """GitHub wrote the comment but answered 502: the retried create made a copy."""
    github.fail_next(502, "Bad Gateway", method="POST", count=1)
    first = comment(orgstate, plan_file)
    assert first.code == 0, first.err
    assert len(github.comments_on(PULL)) == 1  # the stand-in answered 502 without writing
    github.add_comment(PULL, github.comments_on(PULL)[0].body, login=github.login)  # as if the 502 had written
    github.add_comment(PULL, github.comments_on(PULL)[0].body, login="octocat")  # not ours: left alone
    second = comment(orgstate, plan_file)
    assert second.code == 0, second.err
    assert "Deleted 1 copy of it left by an earlier run." in second.out
    assert [c.login for c in github.comments_on(PULL)] == [github.login, "octocat"]


def test_with_no_changes_the_comment_is_updated_to_say_so(
    github: FakeGitHub, actions: Actions, orgstate: Orgstate, plan_file: Path
) -> None:
    assert comment(orgstate, plan_file).code == 0
    unchanged = actions.plan(actions.converged_tenant(), "unchanged.json")
    assert comment(orgstate, unchanged).code == 0
    [posted] = github.comments_on(PULL)
    assert "## orgstate plan: no changes" in posted.body


def test_its_comment_is_found_past_the_first_pages(github: FakeGitHub, orgstate: Orgstate, plan_file: Path) -> None:
    for index in range(230):
        github.add_comment(PULL, f"review note {index}", login="octocat")
    ours = github.add_comment(PULL, f'{MARKER} changes="sha256:{"0" * 64}" -->\nold plan')
    result = comment(orgstate, plan_file)
    assert result.code == 0, result.err
    assert result.out.startswith("Updated")
    assert len(github.comments_on(PULL)) == 231
    assert ours.body.startswith(MARKER) and "old plan" not in ours.body
    pages = [r.query.get("page", "1") for r in github.sent("GET", rf"/issues/{PULL}/comments")]
    assert pages == ["1", "2", "3"]


def test_two_configurations_keep_two_comments(
    github: FakeGitHub, actions: Actions, orgstate: Orgstate, plan_file: Path
) -> None:
    (actions.workdir / "teams").mkdir()
    other = ("-f", "teams/")
    assert comment(orgstate, plan_file).code == 0
    assert comment(orgstate, plan_file, *other).code == 0
    assert comment(orgstate, plan_file, "-f", "./teams").code == 0  # the same directory, spelled otherwise
    bodies = sorted(c.body.split("\n", 1)[0] for c in github.comments_on(PULL))
    assert [line.split(" changes=")[0] for line in bodies] == [MARKER, '<!-- orgstate:plan config="teams"']


def test_the_configuration_of_orgstate_toml_names_the_comment(
    github: FakeGitHub, actions: Actions, orgstate: Orgstate, plan_file: Path
) -> None:
    (actions.workdir / "orgstate.toml").write_text('config = ["teams/", "org.yaml"]\n')
    assert comment(orgstate, plan_file).code == 0
    [posted] = github.comments_on(PULL)
    assert posted.body.startswith('<!-- orgstate:plan config="org.yaml teams" changes=')


def test_a_comment_by_someone_else_is_never_taken_for_its_own(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path
) -> None:
    forged = github.add_comment(PULL, f'{MARKER} changes="sha256:{"1" * 64}" -->\nlooks like orgstate', "mallory")
    assert comment(orgstate, plan_file).code == 0
    assert forged.body.endswith("looks like orgstate")
    assert len(github.comments_on(PULL)) == 2
    assert not github.sent("PATCH")


def test_author_chooses_whose_comments_are_its_own(github: FakeGitHub, orgstate: Orgstate, plan_file: Path) -> None:
    github.login = "orgstate-bot[bot]"  # a GitHub App's token
    assert comment(orgstate, plan_file, "--author", "orgstate-bot[bot]").code == 0
    assert comment(orgstate, plan_file, "--author", "Orgstate-Bot[bot]").code == 0  # logins ignore case
    assert [c.login for c in github.comments_on(PULL)] == ["orgstate-bot[bot]"]


def test_a_secondary_rate_limit_is_waited_out(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORGSTATE_PROGRESS", "auto")
    github.rate_limit_next(1, retry_after=1)
    started = time.monotonic()
    result = comment(orgstate, plan_file)
    assert result.code == 0, result.err
    assert time.monotonic() - started >= 1  # retry-after was honoured
    assert result.err == (
        f"retrying GitHub GET /repos/{github.repository}/issues/{PULL}/comments in 1.0 s: "
        "GitHub answered 403 "
        "(attempt 2 of 4)\n"
    )
    assert len(github.comments_on(PULL)) == 1
    assert len(github.sent("GET", rf"/issues/{PULL}/comments")) == 2  # refused once, then answered


def test_a_plan_of_10000_changes_fits_in_one_comment_that_points_to_the_job_summary(
    github: FakeGitHub, actions: Actions, orgstate: Orgstate, big_plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    result = comment(orgstate, big_plan)
    assert result.code == 0, result.err
    [posted] = github.comments_on(PULL)
    assert BODY_LIMIT - 2_000 < len(posted.body) <= BODY_LIMIT
    assert posted.body.startswith(MARKER)
    assert read_plan(big_plan).changes_digest in posted.body
    assert "the job summary of [this workflow run](https://github.example/acme/org-config/actions/runs/4242)" in (
        posted.body
    )


@pytest.mark.parametrize(
    ("server", "run", "expected"),
    [
        ("https://github.com", "17", "https://github.com/acme/org-config/actions/runs/17"),
        ("https://ghe.example:8443", "9", "https://ghe.example:8443/acme/org-config/actions/runs/9"),
        ("https://evil.example/x)[y](z", "1", None),
        ("http://github.com", "1", None),
        ("https://github.com", "1 or 2", None),
        ("", "", None),
    ],
)
def test_the_run_link_is_given_only_when_it_is_safe_in_markdown(server: str, run: str, expected: str | None) -> None:
    environ = {"GITHUB_SERVER_URL": server, "GITHUB_RUN_ID": run, "GITHUB_REPOSITORY": "acme/org-config"}
    assert run_url(environ) == expected


def test_hostile_configuration_paths_cannot_close_the_marker(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path
) -> None:
    hostile = 'x --> <img src=x onerror=alert(1)> "y".yaml'
    assert comment(orgstate, plan_file, "-f", hostile).code == 0
    [posted] = github.comments_on(PULL)
    first = posted.body.split("\n", 1)[0]
    assert first.startswith('<!-- orgstate:plan config="x%20%2D%2D%3E%20%3Cimg')
    assert first.count("-->") == 1 and first.endswith(" -->")
    assert "<img" not in first and first.count('"') == 4


# -- failures: one line, exit 1, never the token ---------------------------------------


def assert_one_clear_line(result: Ran, token: str, *expected: str) -> None:
    assert result.code == 1, (result.out, result.err)
    assert result.out == ""
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    for text in expected:
        assert text in result.err, result.err
    assert token not in result.out + result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            (403, "Resource not accessible by integration"),
            ["403 (Resource not accessible by integration)", "pull-requests: write"],
        ),
        ((404, "Not Found"), ["404 (Not Found)", "GITHUB_REPOSITORY"]),
        ((500, "Server Error"), ["kept refusing", "after 3 retries"]),
    ],
)
def test_a_refusal_is_one_clear_line(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path, fault: tuple[int, str], expected: list[str]
) -> None:
    github.fail_next(*fault, count=4)
    result = comment(orgstate, plan_file)
    assert_one_clear_line(result, github.token, f"error: listing the comments of pull request #{PULL}", *expected)


def test_a_primary_rate_limit_far_off_is_an_error_at_once(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path
) -> None:
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)}
    github.fail_next(403, "API rate limit exceeded for installation ID 1.", headers=reset)
    started = time.monotonic()
    result = comment(orgstate, plan_file)
    assert time.monotonic() - started < 10
    assert_one_clear_line(result, github.token, "GitHub's rate limit would need a wait of 36", "run again later")


def test_a_429_is_retried(github: FakeGitHub, orgstate: Orgstate, plan_file: Path) -> None:
    github.fail_next(429, "Too many requests", headers={"retry-after": "1"})
    assert comment(orgstate, plan_file).code == 0
    assert len(github.comments_on(PULL)) == 1


def test_a_body_github_refuses_is_a_clear_error(github: FakeGitHub, orgstate: Orgstate, plan_file: Path) -> None:
    too_long = {"resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long"}
    github.fail_next(422, "Validation Failed", method="POST", errors=[too_long])
    result = comment(orgstate, plan_file)
    assert_one_clear_line(
        result, github.token, f"error: commenting on pull request #{PULL}", "422 (Validation Failed: body is too long)"
    )
    assert not github.comments_on(PULL)


def test_a_wrong_token_is_refused_and_never_shown(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_wrong-token-value")
    result = comment(orgstate, plan_file)
    assert_one_clear_line(result, "ghs_wrong-token-value", "401 (Bad credentials)", "check GITHUB_TOKEN")


def test_an_unreachable_api_is_a_clear_error(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = github.url
    github.stop()
    monkeypatch.setenv("GITHUB_API_URL", url)
    result = comment(orgstate, plan_file)
    assert_one_clear_line(result, github.token, "cannot connect to the GitHub API")


def test_no_log_holds_the_token(
    github: FakeGitHub, orgstate: Orgstate, plan_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With every logger at DEBUG: urllib3's lines name no header, and PyGithub's (which
    print headers, masked, and each retry in its own words) are turned down to warnings."""
    with caplog.at_level(logging.DEBUG):
        assert comment(orgstate, plan_file).code == 0
        github.rate_limit_next(1)
        github.fail_next(403, "Resource not accessible by integration", count=4)
        assert comment(orgstate, plan_file).code == 1
    assert "127.0.0.1" in caplog.text  # urllib3 did log the requests
    assert github.token not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("github") and r.levelno < logging.WARNING]


# -- the environment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("GITHUB_TOKEN", None, "GITHUB_TOKEN is not set"),
        ("GITHUB_TOKEN", "ghs_two\nlines", "GITHUB_TOKEN is not a token"),
        ("GITHUB_REPOSITORY", "just-a-name", "GITHUB_REPOSITORY is 'just-a-name': expected OWNER/NAME"),
        ("GITHUB_REPOSITORY", "acme/..", "expected OWNER/NAME"),
        ("GITHUB_API_URL", "http://api.example.com", "GITHUB_API_URL is http://api.example.com: expected https://"),
        ("GITHUB_API_URL", "https://user:pw@api.example.com", "GITHUB_API_URL is a URL with a user"),
        ("GITHUB_EVENT_PATH", None, "GITHUB_EVENT_PATH is not set"),
        ("GITHUB_EVENT_PATH", "no/such/event.json", "cannot read it"),
    ],
)
def test_a_missing_or_wrong_setting_is_named(
    github: FakeGitHub,
    orgstate: Orgstate,
    plan_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str | None,
    expected: str,
) -> None:
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)
    result = comment(orgstate, plan_file)
    assert_one_clear_line(result, github.token, expected)
    assert "pw@" not in result.err
    assert not github.requests  # nothing was sent


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ('{"issue": {"number": 7, "pull_request": {"url": "x"}}, "comment": {"body": "plan"}}', None),
        ('{"issue": {"number": 7}}', "the event names no pull request"),
        ('{"ref": "refs/heads/main"}', "the event names no pull request"),
        ('{"pull_request": {"number": "7"}}', "the event names no pull request"),
        ("[1, 2]", "not a JSON object"),
        ("{not json", "not JSON"),
    ],
)
def test_the_pull_request_comes_from_the_event(
    github: FakeGitHub, actions: Actions, orgstate: Orgstate, plan_file: Path, event: str, expected: str | None
) -> None:
    actions.event.write_text(event)
    result = comment(orgstate, plan_file)
    if expected is None:
        assert result.code == 0, result.err
        assert len(github.comments_on(PULL)) == 1
    else:
        assert_one_clear_line(result, github.token, "GITHUB_EVENT_PATH", expected)
