"""SCIM 2.0 over scim2-client, made dependable: a request rate, retries with jittered
backoff on 429 (honouring Retry-After) and 5xx, pagination read in parallel, and a SCIM
error (`scimType`, `detail`) turned into one line naming what was attempted.

The bearer token comes from SCIM_TOKEN, or from the file SCIM_TOKEN_FILE names; it goes
only where `orgstate.origins` allows, and never into an error, a notice or a log line."""

from __future__ import annotations

import email.utils
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx2
from scim2_client import SCIMClientException
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import ListResponse, SCIMException, SearchRequest

from orgstate.appliers.retrying import backoff, retry_notice
from orgstate.diagnostics import clip
from orgstate.errors import ErrorKind, ScimUnavailable, StalePlan, TenantError, UsageError
from orgstate.progress import SILENT, Progress

TOKEN_ENV = "SCIM_TOKEN"
TOKEN_FILE_ENV = "SCIM_TOKEN_FILE"
# Longest a Retry-After is honoured: a provider asking for more is retried sooner.
RETRY_AFTER_MAX = 60.0
READERS = 8  # pages read at once
T = TypeVar("T")

PRECONDITION_FAILED = 412  # If-Match named another version
# An answer's HTTP status -> what kind of refusal it is.
KINDS = {
    400: ErrorKind.INVALID,
    401: ErrorKind.PERMISSION,
    403: ErrorKind.PERMISSION,
    404: ErrorKind.NOT_FOUND,
    409: ErrorKind.CONFLICT,
}


def read_token() -> str:
    """The bearer token: SCIM_TOKEN, else the first line of the file SCIM_TOKEN_FILE names."""
    token = os.environ.get(TOKEN_ENV)
    if token:
        return token.strip()
    path = os.environ.get(TOKEN_FILE_ENV)
    if not path:
        raise UsageError(f"the scim backend needs a bearer token in {TOKEN_ENV}, or a file named by {TOKEN_FILE_ENV}")
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{TOKEN_FILE_ENV}: cannot read {clip(path)}: {exc.__class__.__name__}") from None
    if not lines or not lines[0].strip():
        raise UsageError(f"{TOKEN_FILE_ENV}: {clip(path)} holds no token")
    return lines[0].strip()


class Rate:
    """At most `per_second` requests a second, across threads (None: no limit)."""

    def __init__(self, per_second: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 0.0 if per_second is None else 1.0 / per_second
        self.clock = clock
        self.next = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = self.clock()
            slot = max(now, self.next)
            self.next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (a number, or an HTTP date), capped; None when absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX) if math.isfinite(seconds) else None


class _Paced(SyncSCIMClient):
    """scim2-client's engine, every request paced and retried (by ScimApi)."""

    def __init__(self, http: httpx2.Client, api: ScimApi) -> None:
        super().__init__(http)
        self.api = api

    def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        return self.api.send(lambda: SyncSCIMClient.request(self, method, url, **kwargs), method, url)


class ScimApi:
    def __init__(
        self,
        base_url: str,
        token: str,
        rate: float | None = None,
        attempts: int = 6,
        timeout: float = 10.0,
        progress: Progress = SILENT,
        seed: int | None = None,
    ) -> None:
        self.base_url = base_url
        self.http = httpx2.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout, follow_redirects=False
        )
        self.scim = _Paced(self.http, self)
        self.rate = Rate(rate)
        self.attempts = attempts
        self.progress = progress
        self.random = random.Random(seed)
        self.requests = 0
        self.retries = 0

    def close(self) -> None:
        self.http.close()

    def send(self, request: Callable[[], httpx2.Response], method: str, url: str) -> httpx2.Response:
        """One request, retried on 429 (after its Retry-After), 5xx and network failures."""
        path = url.split("?", 1)[0]
        problem = "no attempt made"
        for attempt in range(self.attempts):
            self.rate.wait()
            self.requests += 1
            wait: float | None = None
            try:
                response = request()
            except SCIMClientException:  # the network: refused, reset, timed out
                problem = "no answer"
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                problem = f"HTTP {response.status_code}"
                wait = retry_after(response.headers.get("Retry-After"))
            self.retries += 1
            if attempt + 1 < self.attempts:
                pause = wait if wait is not None else backoff(attempt, self.random)
                self.progress.notice(retry_notice(f"{method} {path}", pause, problem, attempt, self.attempts))
                time.sleep(pause)
        raise ScimUnavailable(
            f"{method} {path}: the SCIM service kept failing ({problem}) after {self.attempts} attempts"
        )

    @contextmanager
    def attempting(self, what: str) -> Iterator[None]:
        """Turns the client's exceptions into one orgstate error naming `what` was attempted."""
        try:
            yield
        except SCIMException as exc:
            status = int(exc.status or 0)
            if status == PRECONDITION_FAILED:
                raise StalePlan(
                    f"{what}: the provider's object changed since it was read (HTTP 412, If-Match); plan again"
                ) from None
            scim_type = f", scimType {exc.scim_type}" if exc.scim_type else ""
            detail = clip(exc.detail or "refused")
            raise TenantError(
                KINDS.get(status, ErrorKind.RULE), f"{what}: {detail} (HTTP {status}{scim_type})"
            ) from None
        except SCIMClientException as exc:
            raise TenantError(ErrorKind.INVALID, f"{what}: {clip(str(exc))}") from None

    def call(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.attempting(what):
            return function(*args, **kwargs)

    def list_all(self, model: type[Any], what: str, count: int, query: str | None = None) -> list[Any]:
        """Every resource of `model` (matching the filter `query`): the first page, then
        the pages its totalResults announces, read in parallel (startIndex, count)."""

        def page(start: int) -> ListResponse[Any]:
            request: SearchRequest[Any] = SearchRequest(start_index=start, count=count, filter=query)
            with self.attempting(f"listing {what}"):
                found: ListResponse[Any] = self.scim.query(model, query_parameters=request)
            return found

        first = page(1)
        found = list(first.resources or [])
        total = first.total_results or 0
        size = len(found)
        if not size or total <= size:
            return found
        starts = range(1 + size, total + 1, size)
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            for later in pool.map(page, starts):
                found.extend(later.resources or [])
        return found
