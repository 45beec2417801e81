"""The changes that were reviewed: the digest in orgstate's plan comment on the pull
request that was merged as a commit (GET /repos/{owner}/{repo}/commits/{sha}/pulls),
for `apply --reviewed-changes` after the merge."""

from __future__ import annotations

from github import Github
from github.PullRequest import PullRequest

from orgstate.errors import GitHubError
from orgstate.github.client import attempt
from orgstate.github.comments import find_comment
from orgstate.github.marker import Marker


def merged_pull_request(client: Github, repository: str, sha: str) -> PullRequest:
    """The pull request merged as commit `sha`: among those GitHub associates with the
    commit, the merged one whose merge commit it is (or the only merged one, for a
    rebase or a squash GitHub records otherwise)."""
    with attempt(f"listing the pull requests of commit {sha} in {repository}"):
        merged = [pull for pull in client.get_repo(repository).get_commit(sha).get_pulls() if pull.merged_at]
        exact = [pull for pull in merged if pull.merge_commit_sha == sha]
    if exact:
        return exact[0]
    if len(merged) == 1:
        return merged[0]
    if not merged:
        raise GitHubError(
            f"no merged pull request in {repository} contains commit {sha} (pushed without one?): "
            "apply the reviewed plan file instead, or pass --reviewed-changes"
        )
    numbers = ", ".join(f"#{pull.number}" for pull in merged)
    raise GitHubError(f"commit {sha} is in several merged pull requests ({numbers}) and none was merged as it")


def reviewed_digest(client: Github, repository: str, sha: str, marker: Marker, author: str) -> str:
    """The changes digest that orgstate's comment on the pull request merged as `sha` records."""
    pull = merged_pull_request(client, repository, sha)
    where = f"pull request #{pull.number} of {repository}"
    issue = client.get_repo(repository).get_issue(pull.number)
    comment = find_comment(issue, marker, author, where)
    if comment is None:
        raise GitHubError(
            f"{where} has no orgstate plan comment by {author} for this configuration: nothing was reviewed "
            "(was `orgstate github comment` run on it, with the same -f?)"
        )
    digest = marker.digest_in(comment.body)
    if digest is None:
        raise GitHubError(f"orgstate's comment on {where} records no changes digest: run the plan on it again")
    return digest
