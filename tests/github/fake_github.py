"""A loopback stand-in for GitHub's REST API: the endpoints orgstate's GitHub commands
call, answered as GitHub answers them, over real HTTP on 127.0.0.1.

- Issue comments: list (`per_page`, default 30, at most 100; `page`; a `Link` header with
  rel="next", "last", "first" and "prev"), create, update, delete.
- Issues: list (`state`, `creator`; pull requests are listed too, with `pull_request`,
  as GitHub lists them), create, read, update (`state`, `state_reason`).
- The pull requests associated with a commit (`/commits/{sha}/pulls`), and the repository.
- The token: `Authorization: token T` or `Bearer T`; anything else is a 401 "Bad
  credentials". What the token creates is by `login` (github-actions[bot]).
- Bodies over 65,536 characters are refused with GitHub's 422.
- Faults for the next N requests: any status with GitHub's error body (`fail_next`),
  or a secondary rate limit: a 403 with `retry-after` and GitHub's message
  (`rate_limit_next`).

Every request is recorded (`requests`), so a test can count what was sent. Tests start
it with the `fake_github` fixture (tests/github/conftest.py), or as a context manager."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

BODY_LIMIT = 65_536
BOT = "github-actions[bot]"
DOCS = "https://docs.github.com/rest"
SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out "
    "to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000."
)


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Comment:
    id: int
    issue: int
    login: str
    body: str
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class Issue:
    number: int
    title: str
    body: str | None
    login: str
    is_pull: bool = False
    state: str = "open"
    state_reason: str | None = None
    merged_at: str | None = None
    merge_commit_sha: str | None = None


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    method: str | None = None  # the requests it answers: of this method only, or all


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]


class FakeGitHub:
    """GitHub for one repository (`owner/name`), holding its issues, pull requests and comments."""

    def __init__(self, repository: str = "acme/org-config", token: str = "ghs_fake-token", login: str = BOT) -> None:
        self.repository = repository
        self.token = token
        self.login = login
        self.issues: dict[int, Issue] = {}
        self.comments: list[Comment] = []
        self.commit_pulls: dict[str, list[int]] = {}
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self._ids = iter(range(1000, 10**9))
        self._server: ThreadingHTTPServer | None = None

    # -- the repository's contents, as a test sets them up --------------------------

    def add_pull_request(self, number: int, login: str = "octocat", title: str = "Change org.yaml") -> Issue:
        pull = Issue(number, title, "A change.", login, is_pull=True)
        self.issues[number] = pull
        return pull

    def merge(self, number: int, sha: str, *, merge_commit: bool = True) -> None:
        """Pull request `number` merged, associated with commit `sha` (as its merge commit,
        unless `merge_commit` is false: a commit it merely contains)."""
        pull = self.issues[number]
        pull.state, pull.merged_at = "closed", now()
        if merge_commit:
            pull.merge_commit_sha = sha
        self.commit_pulls.setdefault(sha, []).append(number)

    def add_issue(self, title: str, body: str | None, login: str = BOT, number: int | None = None) -> Issue:
        number = number or max(self.issues, default=0) + 1
        issue = Issue(number, title, body, login)
        self.issues[number] = issue
        return issue

    def add_comment(self, issue: int, body: str, login: str = BOT) -> Comment:
        comment = Comment(next(self._ids), issue, login, body)
        self.comments.append(comment)
        return comment

    def comments_on(self, issue: int) -> list[Comment]:
        return [c for c in self.comments if c.issue == issue]

    def open_issues(self) -> list[Issue]:
        return [i for i in self.issues.values() if not i.is_pull and i.state == "open"]

    # -- faults -----------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        message: str,
        count: int = 1,
        method: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        """The next `count` requests (of `method`, when given) answer `status` with GitHub's
        error body (and `extra` in it) and `headers`."""
        body = {"message": message, "documentation_url": DOCS, "status": str(status), **extra}
        self.faults += [Fault(status, body, headers or {}, method) for _ in range(count)]

    def rate_limit_next(self, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` requests hit the secondary rate limit: 403, retry-after, GitHub's message."""
        body = {"message": SECONDARY_RATE_LIMIT, "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api"}
        self.faults += [Fault(403, body, {"retry-after": str(retry_after)}) for _ in range(count)]

    def sent(self, method: str, pattern: str = "") -> list[Request]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    # -- serving ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeGitHub:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- the API --------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.requests.append(Request(method, path, query))
            fault = next((f for f in self.faults if f.method in (None, method)), None)
            if fault is not None:
                self.faults.remove(fault)
                return fault.status, fault.body, fault.headers
            prefix = f"/repos/{self.repository}"
            if not (path == prefix or path.startswith(prefix + "/")):
                return _error(404, "Not Found")
            route = path[len(prefix) :]
            for pattern, handler in self._routes():
                found = re.fullmatch(pattern, f"{method} {route}")
                if found:
                    return handler(query, body, *found.groups())
            return _error(404, "Not Found")

    def _routes(self) -> list[tuple[str, Any]]:
        return [
            (r"GET ", self._repository),
            (r"GET /issues/(\d+)/comments", self._list_comments),
            (r"POST /issues/(\d+)/comments", self._create_comment),
            (r"PATCH /issues/comments/(\d+)", self._update_comment),
            (r"DELETE /issues/comments/(\d+)", self._delete_comment),
            (r"GET /issues", self._list_issues),
            (r"POST /issues", self._create_issue),
            (r"GET /issues/(\d+)", self._read_issue),
            (r"PATCH /issues/(\d+)", self._update_issue),
            (r"GET /commits/([0-9a-f]+)/pulls", self._commit_pulls),
        ]

    def _repository(self, _query: dict[str, str], _body: Any) -> tuple[int, Any, dict[str, str]]:
        owner, name = self.repository.split("/")
        return 200, {"id": 1, "name": name, "full_name": self.repository, "owner": _user(owner)}, {}

    def _list_comments(self, query: dict[str, str], _body: Any, number: str) -> tuple[int, Any, dict[str, str]]:
        if int(number) not in self.issues:
            return _error(404, "Not Found")
        return self._page(
            [self._comment_json(c) for c in self.comments_on(int(number))], query, f"/issues/{number}/comments"
        )

    def _create_comment(self, _query: dict[str, str], body: Any, number: str) -> tuple[int, Any, dict[str, str]]:
        if int(number) not in self.issues:
            return _error(404, "Not Found")
        refused = _too_long(body, "IssueComment")
        if refused:
            return refused
        comment = self.add_comment(int(number), body["body"], self.login)
        return 201, self._comment_json(comment), {}

    def _update_comment(self, _query: dict[str, str], body: Any, comment_id: str) -> tuple[int, Any, dict[str, str]]:
        comment = next((c for c in self.comments if c.id == int(comment_id)), None)
        if comment is None:
            return _error(404, "Not Found")
        if comment.login.lower() != self.login.lower():
            return _error(403, "Resource not accessible by integration")
        refused = _too_long(body, "IssueComment")
        if refused:
            return refused
        comment.body, comment.updated_at = body["body"], now()
        return 200, self._comment_json(comment), {}

    def _delete_comment(self, _query: dict[str, str], _body: Any, comment_id: str) -> tuple[int, Any, dict[str, str]]:
        comment = next((c for c in self.comments if c.id == int(comment_id)), None)
        if comment is None:
            return _error(404, "Not Found")
        if comment.login.lower() != self.login.lower():
            return _error(403, "Resource not accessible by integration")
        self.comments.remove(comment)
        return 204, None, {}

    def _list_issues(self, query: dict[str, str], _body: Any) -> tuple[int, Any, dict[str, str]]:
        state = query.get("state", "open")
        creator = query.get("creator")
        listed = [
            i
            for i in sorted(self.issues.values(), key=lambda i: -i.number)  # newest first, as GitHub sorts
            if state in ("all", i.state) and (creator is None or i.login.lower() == creator.lower())
        ]
        return self._page([self._issue_json(i) for i in listed], query, "/issues")

    def _create_issue(self, _query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or not body.get("title"):
            return _error(
                422, "Validation Failed", errors=[{"resource": "Issue", "code": "missing_field", "field": "title"}]
            )
        refused = _too_long(body, "Issue")
        if refused:
            return refused
        issue = self.add_issue(body["title"], body.get("body"), self.login)
        return 201, self._issue_json(issue), {}

    def _read_issue(self, _query: dict[str, str], _body: Any, number: str) -> tuple[int, Any, dict[str, str]]:
        issue = self.issues.get(int(number))
        return (200, self._issue_json(issue), {}) if issue else _error(404, "Not Found")

    def _update_issue(self, _query: dict[str, str], body: Any, number: str) -> tuple[int, Any, dict[str, str]]:
        issue = self.issues.get(int(number))
        if issue is None:
            return _error(404, "Not Found")
        refused = _too_long(body, "Issue")
        if refused:
            return refused
        issue.title = body.get("title", issue.title)
        issue.body = body.get("body", issue.body)
        if "state" in body:
            issue.state = body["state"]
            issue.state_reason = body.get("state_reason") if body["state"] == "closed" else "reopened"
        return 200, self._issue_json(issue), {}

    def _commit_pulls(self, query: dict[str, str], _body: Any, sha: str) -> tuple[int, Any, dict[str, str]]:
        pulls = [self.issues[number] for number in self.commit_pulls.get(sha, [])]
        return self._page([self._pull_json(p) for p in pulls], query, f"/commits/{sha}/pulls")

    # -- JSON as GitHub writes it ----------------------------------------------------------

    def _api(self, route: str) -> str:
        return f"{self.url}/repos/{self.repository}{route}"

    def _comment_json(self, comment: Comment) -> dict[str, Any]:
        return {
            "id": comment.id,
            "node_id": f"IC_{comment.id}",
            "url": self._api(f"/issues/comments/{comment.id}"),
            "html_url": f"https://github.example/{self.repository}/pull/{comment.issue}#issuecomment-{comment.id}",
            "issue_url": self._api(f"/issues/{comment.issue}"),
            "body": comment.body,
            "user": _user(comment.login),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": "NONE",
        }

    def _issue_json(self, issue: Issue) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": issue.number + 500_000,
            "node_id": f"I_{issue.number}",
            "url": self._api(f"/issues/{issue.number}"),
            "html_url": f"https://github.example/{self.repository}/{'pull' if issue.is_pull else 'issues'}/"
            f"{issue.number}",
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "user": _user(issue.login),
            "labels": [],
            "comments": len(self.comments_on(issue.number)),
            "locked": False,
        }
        if issue.is_pull:
            data["pull_request"] = {"url": self._api(f"/pulls/{issue.number}"), "merged_at": issue.merged_at}
        return data

    def _pull_json(self, pull: Issue) -> dict[str, Any]:
        return {
            "id": pull.number + 900_000,
            "url": self._api(f"/pulls/{pull.number}"),
            "html_url": f"https://github.example/{self.repository}/pull/{pull.number}",
            "number": pull.number,
            "state": pull.state,
            "title": pull.title,
            "body": pull.body,
            "user": _user(pull.login),
            "merged_at": pull.merged_at,
            "merge_commit_sha": pull.merge_commit_sha,
        }

    def _page(self, items: list[Any], query: dict[str, str], route: str) -> tuple[int, Any, dict[str, str]]:
        """One page of `items`, with GitHub's Link header when there is more than one."""
        per_page = max(1, min(100, int(query.get("per_page", 30))))
        page = max(1, int(query.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        shown = items[(page - 1) * per_page : page * per_page]
        if last == 1:
            return 200, shown, {}

        def link(number: int, rel: str) -> str:
            return f'<{self._api(route)}?{urlencode({**query, "per_page": per_page, "page": number})}>; rel="{rel}"'

        links = []
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return 200, shown, {"Link": ", ".join(links)}


def _user(login: str) -> dict[str, Any]:
    bot = login.endswith("[bot]")
    return {"login": login, "id": abs(hash(login)) % 10**8, "type": "Bot" if bot else "User", "site_admin": False}


def _error(status: int, message: str, **extra: Any) -> tuple[int, Any, dict[str, str]]:
    return status, {"message": message, "documentation_url": DOCS, "status": str(status), **extra}, {}


def _too_long(body: Any, resource: str) -> tuple[int, Any, dict[str, str]] | None:
    text = body.get("body") if isinstance(body, dict) else None
    if isinstance(text, str) and len(text) > BODY_LIMIT:
        return _error(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": resource,
                    "code": "custom",
                    "field": "body",
                    "message": f"body is too long (maximum is {BODY_LIMIT} characters)",
                }
            ],
        )
    return None


def _handler(github: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.headers.get("Authorization") not in (f"token {github.token}", f"Bearer {github.token}"):
                status, data, headers = _error(401, "Bad credentials")
            else:
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    status, data, headers = _error(400, "Problems parsing JSON")
                else:
                    status, data, headers = github.answer(self.command, parts.path, query, body)
            payload = b"" if status == 204 else json.dumps(data).encode()  # No Content, as GitHub sends it
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

    return Handler


def serve(github: FakeGitHub) -> Iterator[FakeGitHub]:
    """Serve `github` for the life of a fixture."""
    github.start()
    try:
        yield github
    finally:
        github.stop()
