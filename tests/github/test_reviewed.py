"""orgstate github reviewed-digest: the changes digest in orgstate's comment on the pull
request merged as GITHUB_SHA, and a clear error whenever there is no such digest."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orgstate.github.marker import PLAN, Marker
from tests.github.conftest import PULL, SHA, Orgstate
from tests.github.fake_github import FakeGitHub

DIGEST = "sha256:" + "ab" * 32
OURS = Marker(PLAN, "org.yaml").line(DIGEST) + "\n## orgstate plan: 1 to add, 0 to change, 0 to remove\n"


def test_prints_the_digest_of_the_comment_on_the_merged_pull_request(
    github: FakeGitHub, actions: object, orgstate: Orgstate
) -> None:
    github.add_comment(PULL, "LGTM", login="octocat")
    github.add_comment(PULL, Marker(PLAN, "teams").line("sha256:" + "cd" * 32))  # another configuration's
    github.add_comment(PULL, OURS)
    github.merge(PULL, SHA)
    github.add_pull_request(8)
    github.commit_pulls[SHA].append(8)  # an open pull request that also contains the commit
    result = orgstate("github", "reviewed-digest")
    assert (result.code, result.out, result.err) == (0, DIGEST + "\n", "")


def test_a_squash_merge_recorded_otherwise_is_still_found(
    github: FakeGitHub, actions: object, orgstate: Orgstate
) -> None:
    github.add_comment(PULL, OURS)
    github.merge(PULL, SHA, merge_commit=False)
    assert orgstate("github", "reviewed-digest").out == DIGEST + "\n"


def setup_none(github: FakeGitHub) -> None:
    github.add_comment(PULL, OURS)


def setup_open_only(github: FakeGitHub) -> None:
    github.add_comment(PULL, OURS)
    github.commit_pulls[SHA] = [PULL]  # associated, but not merged


def setup_no_comment(github: FakeGitHub) -> None:
    github.merge(PULL, SHA)


def setup_forged(github: FakeGitHub) -> None:
    github.add_comment(PULL, OURS, login="mallory")
    github.merge(PULL, SHA)


def setup_no_digest(github: FakeGitHub) -> None:
    github.add_comment(PULL, Marker(PLAN, "org.yaml").line() + "\nno digest")
    github.merge(PULL, SHA)


def setup_ambiguous(github: FakeGitHub) -> None:
    github.add_pull_request(8)
    github.merge(PULL, SHA, merge_commit=False)
    github.merge(8, SHA, merge_commit=False)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (setup_none, f"no merged pull request in acme/org-config contains commit {SHA}"),
        (setup_open_only, "no merged pull request"),
        (setup_no_comment, f"pull request #{PULL} of acme/org-config has no orgstate plan comment by github-actions"),
        (setup_forged, "has no orgstate plan comment"),
        (setup_no_digest, "records no changes digest"),
        (setup_ambiguous, "is in several merged pull requests (#7, #8)"),
    ],
)
def test_without_a_reviewed_digest_it_says_why(
    github: FakeGitHub, actions: object, orgstate: Orgstate, setup: Callable[[FakeGitHub], None], expected: str
) -> None:
    setup(github)
    result = orgstate("github", "reviewed-digest")
    assert result.code == 1 and result.out == "", result
    assert result.err.startswith("error: ") and expected in result.err and result.err.count("\n") == 1, result.err


def test_a_malformed_sha_is_refused(
    github: FakeGitHub, actions: object, orgstate: Orgstate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SHA", "main")
    result = orgstate("github", "reviewed-digest")
    assert result.code == 1 and "GITHUB_SHA is 'main': expected the commit's full hexadecimal SHA" in result.err
    assert not github.requests
