"""GitHub's environment, as Actions sets it, read and checked: each value that is
missing or malformed is one clear error naming the variable (never its value, for the
token). The token goes only to an https API, or to plain http on this machine."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from orgstate.diagnostics import clip
from orgstate.errors import GitHubError
from orgstate.origins import carries_secrets

API_URL = "GITHUB_API_URL"
DEFAULT_API_URL = "https://api.github.com"
REPOSITORY = "GITHUB_REPOSITORY"
TOKEN = "GITHUB_TOKEN"
EVENT_PATH = "GITHUB_EVENT_PATH"
SHA = "GITHUB_SHA"
OUTPUT = "GITHUB_OUTPUT"
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
WORKSPACE = "GITHUB_WORKSPACE"
SERVER_URL = "GITHUB_SERVER_URL"
RUN_ID = "GITHUB_RUN_ID"

# GitHub's own rules: an owner is letters, digits and single hyphens; a repository name
# letters, digits, '.', '-' and '_'.
_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
# A token is one HTTP header value: visible ASCII only (a newline would split the header).
_TOKEN = re.compile(r"[\x21-\x7e]+")
# A server URL that can stand in a markdown link as it is: https, a host, a port.
_SERVER_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::\d{1,5})?")
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256 repositories
EVENT_MAX_BYTES = 25 * 2**20  # GitHub caps webhook payloads at 25 MB


@dataclass(frozen=True)
class Connection:
    """Where the API is, which repository, and the token (never shown: repr hides it)."""

    api_url: str
    repository: str
    token: str = field(repr=False)


def connection(environ: Mapping[str, str] = os.environ) -> Connection:
    """GITHUB_API_URL (default https://api.github.com), GITHUB_REPOSITORY and GITHUB_TOKEN."""
    token = environ.get(TOKEN, "").strip()
    if not token:
        raise GitHubError(f"{TOKEN} is not set: pass the workflow's token (env: {TOKEN}: ${{{{ github.token }}}})")
    if not _TOKEN.fullmatch(token):
        raise GitHubError(f"{TOKEN} is not a token: it holds spaces or characters a token never has")
    repository = environ.get(REPOSITORY, "")
    if not _REPOSITORY.fullmatch(repository) or repository.split("/")[1] in (".", ".."):
        raise GitHubError(f"{REPOSITORY} is {clip(repository)!r}: expected OWNER/NAME")
    return Connection(api_url(environ.get(API_URL) or DEFAULT_API_URL), repository, token)


def api_url(url: str) -> str:
    """The API's base URL, refused unless the token may go there (origins.carries_secrets):
    a plain-http host chosen by whoever sets the variable would read the token."""
    wrong = GitHubError(
        f"{API_URL} is {clip(url) if '@' not in url else 'a URL with a user'}: expected https://HOST[/PATH] "
        "(http only for 127.0.0.1, localhost or ::1; no user, query or fragment)"
    )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        raise wrong from None
    if not carries_secrets(parts.scheme, host) or "@" in parts.netloc or parts.query or parts.fragment:
        raise wrong
    return url.rstrip("/")


def read_event(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The event that started the workflow (GITHUB_EVENT_PATH), as a JSON object."""
    where = environ.get(EVENT_PATH)
    if not where:
        raise GitHubError(f"{EVENT_PATH} is not set: run this in a GitHub Actions workflow")
    path = Path(where)
    try:
        if path.stat().st_size > EVENT_MAX_BYTES:
            raise GitHubError(f"{EVENT_PATH} ({path}): over {EVENT_MAX_BYTES // 2**20} MiB, no event file")
        event = json.loads(path.read_bytes())
    except OSError as exc:
        raise GitHubError(f"{EVENT_PATH} ({path}): cannot read it: {exc.strerror}") from None
    except ValueError as exc:
        raise GitHubError(f"{EVENT_PATH} ({path}): not JSON: {exc}") from None
    if not isinstance(event, dict):
        raise GitHubError(f"{EVENT_PATH} ({path}): not a JSON object")
    return event


def pull_request_number(environ: Mapping[str, str] = os.environ) -> int:
    """The pull request the event is about: pull_request.number (pull_request and
    pull_request_target events), or issue.number for a comment on a pull request."""
    event = read_event(environ)
    pull = event.get("pull_request")
    issue = event.get("issue")
    if isinstance(pull, dict):
        number = pull.get("number")
    elif isinstance(issue, dict) and issue.get("pull_request"):
        number = issue.get("number")
    else:
        number = None
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise GitHubError(
            f"{EVENT_PATH} ({environ[EVENT_PATH]}): the event names no pull request: run this on pull_request "
            "or pull_request_target events, or on issue_comment events of a pull request"
        )
    return number


def commit_sha(environ: Mapping[str, str] = os.environ) -> str:
    sha = environ.get(SHA, "")
    if not _SHA.fullmatch(sha):
        raise GitHubError(f"{SHA} is {clip(sha)!r}: expected the commit's full hexadecimal SHA")
    return sha


def output_file(environ: Mapping[str, str] = os.environ) -> Path:
    where = environ.get(OUTPUT)
    if not where:
        raise GitHubError(f"{OUTPUT} is not set: step outputs exist only in a GitHub Actions step")
    return Path(where)


def summary_file(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The job summary file of this step, when there is one."""
    where = environ.get(STEP_SUMMARY)
    return Path(where) if where else None


def workspace(environ: Mapping[str, str] = os.environ) -> Path | None:
    where = environ.get(WORKSPACE)
    return Path(where) if where else None


def run_url(environ: Mapping[str, str] = os.environ) -> str | None:
    """The page of this workflow run (where its job summary shows), when Actions names it
    in a form that can stand in a markdown link as it is; else None."""
    server, run, repository = (environ.get(name, "") for name in (SERVER_URL, RUN_ID, REPOSITORY))
    if not (_SERVER_URL.fullmatch(server) and run.isdigit() and _REPOSITORY.fullmatch(repository)):
        return None
    return f"{server}/{repository}/actions/runs/{run}"
