"""The Open API over lark-oapi, made dependable: pacing per endpoint tier, retries with
jittered backoff (429 honouring x-ogw-ratelimit-reset, 5xx, timeouts, non-JSON bodies),
and a fresh token on 99991663. lark-oapi has none of these (reference/lark-open-api.md).

Secrets stay inside: the app secret and tokens never appear in an error or a log line."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import lark_oapi as lark
import requests
from lark_oapi.core.enum import AccessTokenType, HttpMethod
from lark_oapi.core.exception import ObtainAccessTokenException

from orgstate.appliers.lark.limits import Pacer
from orgstate.appliers.retrying import backoff, retry_notice
from orgstate.errors import ErrorKind, LarkUnavailable, TenantError
from orgstate.lark.codes import CREDENTIALS_REFUSED, RETRY, TOKEN_INVALID, LarkCode, kind_for
from orgstate.lark.endpoints import RATE_LIMIT_RESET_HEADER, RESTRICTED_PATCH, is_restricted_patch, tier_for
from orgstate.progress import SILENT, Progress


class TokenCache:
    """lark-oapi's token cache, one per backend, that a 99991663 can empty.

    It has the get and set of lark-oapi's ICache, all that the client calls; deriving from
    that untyped class (no stubs ship) would leave this one unchecked by mypy."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[str, float]] = {}
        self.lock = threading.Lock()

    def get(self, key: str) -> str:
        with self.lock:
            value, expires = self.values.get(key, ("", 0.0))
            return value if expires > time.time() else ""

    def set(self, key: str, value: str, expire: int) -> None:
        with self.lock:
            self.values[key] = (value, float(expire))

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


class LarkApi:
    def __init__(
        self,
        domain: str,
        app_id: str,
        app_secret: str,
        timeout: float = 10.0,
        attempts: int = 8,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        progress: Progress = SILENT,
    ) -> None:
        self.app_id = app_id
        self.timeout = timeout
        self.tokens = TokenCache()
        self.client = (
            lark.Client.builder()
            .app_id(app_id)
            .app_secret(app_secret)
            .domain(domain)
            .timeout(timeout)
            .cache(self.tokens)
            .log_level(lark.LogLevel.ERROR)
            .build()
        )
        self.pacer = Pacer()
        self.attempts = attempts
        self.sleep = sleep
        self.progress = progress  # told of each retry: a call that keeps failing is not silent
        self.random = random.Random(seed)
        self.retries = 0
        self.token_renewals = 0
        self.requests = 0
        # Requests per pacing tier (the tier table's names): a restricted user patch counts
        # under its endpoint and under RESTRICTED_PATCH, as the pacer waits for both.
        self.calls: Counter[str] = Counter()

    def call(
        self, method: str, path: str, query: dict[str, Any] | None = None, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The `data` of a successful call; a refusal raises TenantError with its code."""
        try:
            tier = tier_for(method, path)
        except KeyError:
            tier = "unknown"
        restricted = method == "PATCH" and is_restricted_patch(body)
        request = (
            lark.BaseRequest.builder()
            .http_method(HttpMethod[method])
            .uri(path)
            .token_types({AccessTokenType.TENANT})
            .body(body)
            .build()
        )
        for key, value in (query or {}).items():
            request.add_query(key, value)
        problem = "no attempt made"
        for attempt in range(self.attempts):
            self.pacer.wait(tier)
            if restricted:  # a patch of departments or freezing has its own 1/s limit
                self.pacer.wait(RESTRICTED_PATCH)
            self.requests += 1
            self.calls[tier] += 1
            if restricted:
                self.calls[RESTRICTED_PATCH] += 1
            outcome = self._attempt(request)
            if isinstance(outcome, dict):
                return outcome
            problem, wait = outcome
            self.retries += 1
            if attempt + 1 < self.attempts:
                pause = wait if wait is not None else backoff(attempt, self.random)
                self.progress.notice(retry_notice(f"{method} {path}", pause, problem, attempt, self.attempts))
                self.sleep(pause)
        raise LarkUnavailable(f"{method} {path}: the Open API kept failing ({problem}) after {self.attempts} attempts")

    def _attempt(self, request: Any) -> dict[str, Any] | tuple[str, float | None]:
        """The data, or why to retry and how long to wait (None: back off)."""
        try:
            response = self.client.request(request)
        except requests.Timeout:
            return f"no answer within {self.timeout:g} s", None
        except requests.ConnectionError as exc:
            return "connection refused" if "refused" in str(exc).lower() else "cannot connect", None
        except ObtainAccessTokenException as exc:
            if exc.code in TOKEN_INVALID or exc.code in CREDENTIALS_REFUSED:
                raise TenantError(ErrorKind.PERMISSION, "the app credentials were refused", exc.code) from None
            return "the token endpoint failed", None
        except json.JSONDecodeError:
            return "a body that is not JSON", None
        raw = response.raw
        if raw.status_code == 429:
            return "rate limited (429)", self._reset_after(raw.headers)
        if raw.status_code == 404:  # no such API (an emulator extension on Lark itself): final
            raise TenantError(ErrorKind.NOT_FOUND, "the Open API has no such call", 404)
        if not str(raw.headers.get("Content-Type", raw.headers.get("content-type", ""))).startswith("application/json"):
            return f"HTTP {raw.status_code} with a body that is not JSON", None
        try:
            payload = json.loads(raw.content)
        except ValueError:
            return "a body that is not JSON", None
        code = int(payload.get("code", -1))
        if code == 0:
            return payload.get("data") or {}
        if code == LarkCode.RATE_LIMITED:
            return "rate limited", self._reset_after(raw.headers)
        if code in TOKEN_INVALID:
            self.tokens.clear()
            self.token_renewals += 1
            return "the token expired", 0.0
        if raw.status_code >= 500 or code in RETRY:
            return f"HTTP {raw.status_code} code {code}", None
        raise TenantError(kind_for(code), str(payload.get("msg", "refused")), code)

    def _reset_after(self, headers: dict[str, Any]) -> float:
        lowered = {str(k).lower(): v for k, v in headers.items()}
        try:
            reset = float(lowered.get(RATE_LIMIT_RESET_HEADER, 1))
        except (TypeError, ValueError):
            reset = 1.0
        return reset + self.random.uniform(0, 0.25)

    def pages(
        self,
        path: str,
        query: dict[str, Any],
        items_key: str = "items",
        on_page: Callable[[int], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list (page_token / has_more); `on_page` is told how
        many items each page brought."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            data = self.call("GET", path, {**query, **({"page_token": token} if token else {})})
            page = data.get(items_key) or []
            items.extend(page)
            if on_page is not None:
                on_page(len(page))
            if not data.get("has_more"):
                return items
            token = data.get("page_token")
