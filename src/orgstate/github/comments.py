"""The plan as a pull-request comment that is updated, not repeated.

A run lists the pull request's comments (every page), takes as its own those whose body
starts with its marker and whose author is the expected one (so nobody else's comment,
however it begins, is ever edited), updates the first and deletes any copies; only when
there is none does it create one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from github import Github
from github.Issue import Issue
from github.IssueComment import IssueComment
from github.NamedUser import NamedUser
from github.Organization import Organization

from orgstate.github.client import attempt
from orgstate.github.marker import Marker


def is_by(user: NamedUser | Organization | None, author: str) -> bool:
    """Whether `user` is `author` (logins are case-insensitive); a deleted user is nobody."""
    return user is not None and user.login.lower() == author.lower()


def find_comment(issue: Issue, marker: Marker, author: str, where: str) -> IssueComment | None:
    """The first comment on `issue` by `author` that carries `marker`."""
    with attempt(f"listing the comments of {where}"):
        return next(_ours(issue, marker, author), None)


def _ours(issue: Issue, marker: Marker, author: str) -> Iterator[IssueComment]:
    return (c for c in issue.get_comments() if is_by(c.user, author) and marker.marks(c.body))


@dataclass(frozen=True)
class Posted:
    action: str  # "created" or "updated"
    url: str
    duplicates: int = 0  # earlier copies of the comment deleted


def upsert_comment(client: Github, repository: str, number: int, marker: Marker, author: str, body: str) -> Posted:
    """Update orgstate's comment on pull request `number` to `body`, or create it.

    A create that GitHub carried out but answered with an error (a 5xx after the write)
    is retried and leaves a copy: the copies after the first are deleted, so the pull
    request keeps one comment per configuration."""
    where = f"pull request #{number} of {repository}"
    issue = client.get_repo(repository).get_issue(number)
    with attempt(f"listing the comments of {where}"):
        ours = list(_ours(issue, marker, author))
    if not ours:
        with attempt(f"commenting on {where}"):
            created = issue.create_comment(body)
            return Posted("created", created.html_url)
    first, *copies = ours
    with attempt(f"updating comment {first.id} on {where}"):
        first.edit(body)
    for copy in copies:
        with attempt(f"deleting comment {copy.id} on {where}, a copy of comment {first.id}"):
            copy.delete()
    return Posted("updated", first.html_url, len(copies))
