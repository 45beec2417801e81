"""The drift issue: one open issue per configuration, found by its marker among the open
issues its author created (pull requests, which GitHub lists as issues too, are
skipped); opened when drift appears, updated while it lasts, closed with a comment
when it is gone."""

from __future__ import annotations

from dataclasses import dataclass

from github import Github
from github.Issue import Issue

from orgstate.github.client import attempt
from orgstate.github.comments import is_by
from orgstate.github.marker import Marker

TITLE_LIMIT = 256  # GitHub's longest issue title


@dataclass(frozen=True)
class IssueOutcome:
    action: str  # "opened", "updated", "closed" or "none"
    number: int | None = None
    url: str | None = None


def find_issue(client: Github, repository: str, marker: Marker, author: str) -> Issue | None:
    """The first open issue by `author` that carries `marker`."""
    repo = client.get_repo(repository)
    with attempt(f"listing the open issues of {repository}"):
        listed = repo.get_issues(state="open", creator=author)  # type: ignore[arg-type]  # a login is accepted
        # The author and the marker first: `pull_request` is read (a request) for a match only.
        return next(
            (i for i in listed if is_by(i.user, author) and marker.marks(i.body) and i.pull_request is None), None
        )


def sync_drift_issue(
    client: Github, repository: str, marker: Marker, author: str, title: str, body: str | None, closing: str
) -> IssueOutcome:
    """Bring the drift issue up to date: `body` is the report while there is drift, None
    once there is none (the issue, if open, gets the comment `closing` and is closed)."""
    title = title[:TITLE_LIMIT]
    ours = find_issue(client, repository, marker, author)
    if body is None:
        if ours is None:
            return IssueOutcome("none")
        with attempt(f"closing issue #{ours.number} of {repository}"):
            ours.create_comment(closing)
            ours.edit(state="closed", state_reason="completed")
            return IssueOutcome("closed", ours.number, ours.html_url)
    if ours is None:
        with attempt(f"opening an issue in {repository}"):
            created = client.get_repo(repository).create_issue(title=title, body=body)
            return IssueOutcome("opened", created.number, created.html_url)
    with attempt(f"updating issue #{ours.number} of {repository}"):
        ours.edit(title=title, body=body)
        return IssueOutcome("updated", ours.number, ours.html_url)
