"""App credentials and tenant access tokens.

`POST /open-apis/auth/v3/tenant_access_token/internal` trades the app's id and
secret for a token valid `ttl` seconds (at most 7200 on Lark). Asked again while
the newest token has at least 30 minutes left, it returns that token (and the
seconds it has left); with less left it issues a new one, and the old one stays
valid until it expires. Tokens and secrets are compared in constant time and are
never logged nor echoed in an error message.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from orgstate.errors import ApiError
from orgstate.lark.codes import LarkCode

REFRESH_WINDOW_SECONDS = 30 * 60


@dataclass(frozen=True)
class Grant:
    token: str
    expires_at: float


class TokenIssuer:
    def __init__(self, app_id: str, app_secret: str, ttl: int, clock: Callable[[], float] = time.time) -> None:
        if ttl <= 0:
            raise ValueError("the token lifetime must be positive")
        self.app_id = app_id
        self._secret = app_secret
        self.ttl = ttl
        self.clock = clock
        self._grants: dict[str, Grant] = {}
        self._newest: Grant | None = None

    def __repr__(self) -> str:  # never show the secret or a token
        return f"TokenIssuer(app_id={self.app_id!r}, ttl={self.ttl})"

    def issue(self, body: object) -> tuple[str, int]:
        """The token for a token request and its seconds left, or ApiError."""
        if not isinstance(body, dict):
            raise ApiError(LarkCode.BAD_TOKEN_REQUEST, "invalid param: the body must be a JSON object")
        app_id, app_secret = body.get("app_id"), body.get("app_secret")
        if not isinstance(app_id, str) or not isinstance(app_secret, str) or not app_id or not app_secret:
            raise ApiError(LarkCode.BAD_TOKEN_REQUEST, "invalid param: app_id and app_secret are required")
        id_ok = hmac.compare_digest(app_id.encode(), self.app_id.encode())
        secret_ok = hmac.compare_digest(app_secret.encode(), self._secret.encode())
        if not (id_ok and secret_ok):
            raise ApiError(LarkCode.WRONG_CREDENTIALS, "app secret invalid")
        now = self.clock()
        self._grants = {token: grant for token, grant in self._grants.items() if grant.expires_at > now}
        newest = self._newest
        if newest is None or newest.expires_at - now < REFRESH_WINDOW_SECONDS:
            newest = Grant(token="t-" + secrets.token_hex(20), expires_at=now + self.ttl)
            self._grants[newest.token] = newest
            self._newest = newest
        return newest.token, max(0, int(newest.expires_at - now))

    def check(self, authorization: str | None) -> str:
        """The app a request's `Authorization: Bearer <token>` belongs to, or ApiError."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(
                LarkCode.NO_TOKEN, "missing access token: send 'Authorization: Bearer <tenant_access_token>'"
            )
        grant = next((g for t, g in self._grants.items() if hmac.compare_digest(t.encode(), token.encode())), None)
        if grant is None or grant.expires_at <= self.clock():
            raise ApiError(LarkCode.INVALID_TOKEN, "invalid access token: unknown or expired tenant_access_token")
        return self.app_id
