"""The GitHub client, and the one place where its failures become clear errors.

PyGithub is the client: it follows pagination (the Link header), authenticates, and
retries through `GithubRetry`, which waits out a secondary rate limit (a 403 with a
`retry-after` header, or GitHub's "secondary rate limit" message) and retries 5xx
answers and dropped connections. The waits are capped here: `retry-after` at
`MAX_WAIT` seconds (urllib3's `retry_after_max`), a limit without that header at
`SECONDARY_WAIT` (GitHub asks for at least a minute), a primary limit whose reset is
further away than `MAX_WAIT` is an error at once, and at most `RETRIES` retries per
request: a stuck run fails within minutes instead of waiting for an hour. Each wait is
a line through `progress` (as the lark backend's retries are); PyGithub's own console
log, which would print them in its words, is turned down to warnings.

Errors: each request runs inside `attempt(what)`; a refusal, a rate limit not waited
out or a network failure becomes one GitHubError naming what was attempted and what
GitHub said. The token is in no message: none quotes a header or a request, and
PyGithub's log (whose debug lines would show the headers, masked) says nothing below
a warning."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException
from github.GithubException import RateLimitExceededExceedsMaxWait
from urllib3 import BaseHTTPResponse

from orgstate import __version__
from orgstate.diagnostics import clip
from orgstate.errors import GitHubError
from orgstate.github.environment import TOKEN, Connection
from orgstate.progress import SILENT, Progress

RETRIES = 3
MAX_WAIT = 60  # seconds, the longest single wait for a rate limit
SECONDARY_WAIT = 60  # seconds, for a secondary rate limit that names no retry-after
BACKOFF = 0.5  # seconds, doubled per retry of a 5xx or a dropped connection
TIMEOUT = 15  # seconds per request
PER_PAGE = 100  # the most GitHub's list endpoints give per page
HINTS = {
    401: f"the token was refused: check {TOKEN}",
    403: "the token lacks a permission: the workflow needs `permissions:` with pull-requests: write "
    "(the plan comment), issues: write (the drift issue) and contents: read",
    404: "check GITHUB_REPOSITORY and the pull request or issue, and that the token can see the repository",
}


class ReportedRetry(GithubRetry):
    """GithubRetry that tells `progress` of each wait before it waits."""

    progress: Progress = SILENT

    def new(self, **kw: Any) -> ReportedRetry:
        retry = super().new(**kw)
        retry.progress = self.progress
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        # As urllib3 decides: the server's retry-after (capped), else the backoff
        # (which GithubRetry sets for a rate limit without the header).
        wait = (self.get_retry_after(response) if response is not None else None) or self.get_backoff_time()
        if self.history:
            last = self.history[-1]
            problem = f"GitHub answered {last.status}" if last.status else "the connection failed"
            path = (last.url or "").split("?", 1)[0]
            self.progress.notice(
                f"retrying GitHub {last.method} {path} in {wait:.1f} s: {problem} "
                f"(attempt {len(self.history) + 1} of {RETRIES + 1})"
            )
        super().sleep(response)


def connect(connection: Connection, progress: Progress = SILENT) -> Github:
    """A client of `connection`'s API with orgstate's retries, which it tells `progress`
    of; lazy, so that an object is fetched only when one of its fields is read."""
    logging.getLogger("github").setLevel(logging.WARNING)  # PyGithub logs each retry to stderr at INFO
    retry = ReportedRetry(
        total=RETRIES,
        status_forcelist=[429, *range(500, 600)],  # GithubRetry adds 403; GitHub limits with 403 or 429
        backoff_factor=BACKOFF,
        secondary_rate_wait=SECONDARY_WAIT,
        max_rate_limit_wait=MAX_WAIT,
        retry_after_max=MAX_WAIT,
    )
    retry.progress = progress
    return Github(
        auth=Auth.Token(connection.token),
        base_url=connection.api_url,
        timeout=TIMEOUT,
        user_agent=f"orgstate/{__version__}",
        per_page=PER_PAGE,
        retry=retry,
        lazy=True,
    )


@contextmanager
def attempt(what: str) -> Iterator[None]:
    """Run GitHub requests for `what` ("updating comment 12 on pull request #7"); any
    failure is a GitHubError that says what was attempted and why it failed."""
    try:
        yield
    except RateLimitExceededExceedsMaxWait as exc:
        wait = f"{exc.wait:.0f} s" if exc.wait is not None else "longer"
        raise GitHubError(
            f"{what}: GitHub's rate limit would need a wait of {wait}, more than orgstate waits ({MAX_WAIT} s): "
            "run again later"
        ) from None
    except RateLimitExceededException as exc:
        raise GitHubError(f"{what}: GitHub's rate limit was reached ({_said(exc.data)}): run again later") from None
    except GithubException as exc:
        raise GitHubError(f"{what}: {refusal(exc.status, exc.data)}") from None
    except requests.exceptions.RetryError:
        raise GitHubError(
            f"{what}: GitHub kept refusing (rate limited, or failing) after {RETRIES} retries: run again later"
        ) from None
    except requests.exceptions.Timeout:
        raise GitHubError(f"{what}: GitHub did not answer within {TIMEOUT} s") from None
    except requests.exceptions.ConnectionError:
        raise GitHubError(f"{what}: cannot connect to the GitHub API (GITHUB_API_URL)") from None
    except requests.exceptions.RequestException as exc:
        raise GitHubError(f"{what}: the request failed ({type(exc).__name__})") from None


def refusal(status: int, data: Any) -> str:
    """`GitHub answered 404 (Not Found): hint`, from an error's status and body."""
    text = f"GitHub answered {status} ({_said(data)})"
    hint = HINTS.get(status)
    return f"{text}: {hint}" if hint else text


def _said(data: Any) -> str:
    """What GitHub's error body says: its message and the first error's message (a 422's
    reason). A body that is not GitHub's JSON (an HTML error page) is not quoted."""
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return "no message"
    said = data["message"]
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        detail = first.get("message") or first.get("code") if isinstance(first, dict) else first
        if isinstance(detail, str):
            said += f": {detail}"
    return clip(said, 200)
