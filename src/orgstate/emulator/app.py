"""The Starlette application: one tenant engine behind the Open API paths.

Each request goes through, in order:
  1. the token endpoint answers on its own (no token, no limit, no fault);
  2. `Authorization: Bearer <token>`: missing 99991661, unknown or expired 99991663;
  3. the body is read as JSON whatever the Content-Type (bad JSON: 99992402);
  4. the rate limiter, per app and endpoint (HTTP 429, code 99991400);
  5. fault injection (5xx, 429, html502 answer before the engine is touched; timeout
     applies the request, then holds the answer back);
  6. the endpoint's handler, on the event loop's thread: engine calls never overlap,
     so no lock is needed.
Every answer carries `X-Tt-Logid` and `X-Request-Id`. Nothing is logged: not the
requests, not the tokens, not the secret.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from orgstate.emulator import departments, groups, tenantinfo, users  # noqa: F401 - they register handlers
from orgstate.emulator.auth import TokenIssuer
from orgstate.emulator.call import HANDLERS, Call, Handler, Query
from orgstate.emulator.envelope import (
    ApiError,
    body,
    from_tenant_error,
    new_log_id,
)
from orgstate.emulator.faults import Fault, FaultInjector, FaultSpec
from orgstate.emulator.ids import IdRegistry
from orgstate.emulator.ratelimit import RateLimiter, Refusal
from orgstate.emulator.scopes import ALL_SCOPES, missing
from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.lark.endpoints import (
    API_PREFIX,
    ENDPOINTS,
    RATE_LIMITED_MSG,
    RESTRICTED_PATCH,
    TIERS,
    Endpoint,
    is_restricted_patch,
)
from orgstate.tenant import Tenant
from orgstate.tenant.clock import Clock

TOKEN_ENDPOINT = "auth.v3.tenant_access_token.internal"
PATCH_USER = "contact.v3.user.patch"
HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
MISSING_HANDLERS = sorted({e.name for e, _ in ENDPOINTS} - set(HANDLERS) - {TOKEN_ENDPOINT})
assert not MISSING_HANDLERS, f"endpoints without a handler: {MISSING_HANDLERS}"


class Emulator:
    """The state behind the application: engine, tokens, limiter, faults."""

    def __init__(
        self,
        db_path: Path,
        app_id: str,
        app_secret: str,
        rate_limits: bool,
        faults: FaultSpec | None,
        token_ttl: int,
        clock: Callable[[], float],
        tenant_clock: Clock | None,
        scopes: frozenset[str] = frozenset(ALL_SCOPES),
    ) -> None:
        if not Path(db_path).is_file():
            raise TenantError(
                ErrorKind.NOT_FOUND, f"{db_path}: no tenant database; run 'orgstate local init --from TENANT.yaml'"
            )
        self.tenant = Tenant(db_path, clock=tenant_clock)
        self.registry = IdRegistry(self.tenant)
        self.tokens = TokenIssuer(app_id, app_secret, token_ttl, clock)
        self.limiter = RateLimiter(clock=clock) if rate_limits else None
        self.faults: FaultInjector | None = faults.injector() if faults is not None else None
        self.stall = faults.stall if faults is not None else 0.0
        self.scopes = scopes

    def __repr__(self) -> str:
        return f"Emulator(db={self.tenant.path}, tokens={self.tokens!r})"

    def close(self) -> None:
        self.tenant.close()

    def endpoint(self, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        handler = HANDLERS.get(endpoint.name)

        async def serve(request: Request) -> Response:
            return await self.serve(endpoint, handler, request)

        return serve

    async def serve(self, endpoint: Endpoint, handler: Handler | None, request: Request) -> Response:
        log_id = new_log_id()
        headers = {"X-Tt-Logid": log_id, "X-Request-Id": log_id}
        raw = await request.body()
        try:
            if handler is None:
                return self.issue_token(raw, headers)
            app_id = self.tokens.check(request.headers.get("authorization"))
            needed = missing(self.scopes, endpoint.name, endpoint.method)
            if needed is not None:
                raise ApiError(
                    LarkCode.MISSING_PERMISSION,
                    f"Access denied. One of the following scopes is required: [{', '.join(sorted(needed))}]",
                )
            payload = parse_body(raw, LarkCode.FIELD_VALIDATION_FAILED)
            if self.limiter is not None:
                names = [endpoint.name]
                if endpoint.name == PATCH_USER and is_restricted_patch(payload):
                    names.append(RESTRICTED_PATCH)
                refusal = self.limiter.admit(app_id, names)
                if refusal is not None:
                    return rate_limited(refusal, headers)
            fault = self.faults.draw() if self.faults is not None else None
            if fault is Fault.SERVER_ERROR:
                return error_response(ApiError(LarkCode.INTERNAL_ERROR, "internal error", status=500), headers)
            if fault is Fault.RATE_LIMITED:
                tier = TIERS[endpoint.name]
                return rate_limited(Refusal(limit=tier.per_second or tier.per_minute or 1, reset=1), headers)
            if fault is Fault.HTML_502:
                return HTMLResponse(HTML_502, status_code=502, headers=headers)
            call = Call(
                tenant=self.tenant,
                registry=self.registry,
                query=Query(request.query_params.multi_items()),
                params=dict(request.path_params),
                body=payload,
            )
            response = run(handler, call, headers)
            if fault is Fault.TIMEOUT:
                await asyncio.sleep(self.stall)
            return response
        except ApiError as exc:
            return error_response(exc, headers)

    def issue_token(self, raw: bytes, headers: dict[str, str]) -> Response:
        """The SDK sends this request without a Content-Type: the body is read as JSON anyway."""
        token, expire = self.tokens.issue(parse_body(raw, LarkCode.BAD_TOKEN_REQUEST))
        return JSONResponse({"code": 0, "msg": "ok", "tenant_access_token": token, "expire": expire}, headers=headers)


def parse_body(raw: bytes, code: int) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ApiError(code, "invalid param: the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(code, "invalid param: the body must be a JSON object")
    return value


def run(handler: Handler, call: Call, headers: dict[str, str]) -> Response:
    try:
        data = handler(call)
    except TenantError as exc:
        return error_response(from_tenant_error(exc), headers)
    except ApiError as exc:
        return error_response(exc, headers)
    return JSONResponse(body(0, "success", data), headers=headers)


def error_response(error: ApiError, headers: dict[str, str]) -> Response:
    content = {**body(error.code, error.msg), "error": {"log_id": headers["X-Tt-Logid"]}}
    return JSONResponse(content, status_code=error.status, headers=headers)


def rate_limited(refusal: Refusal, headers: dict[str, str]) -> Response:
    content = body(LarkCode.RATE_LIMITED, RATE_LIMITED_MSG)
    return JSONResponse(content, status_code=429, headers={**headers, **refusal.headers()})


async def http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths (404) and wrong methods (405), in the envelope."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    log_id = new_log_id()
    msg = {404: "404 page not found", 405: "method not allowed"}.get(status, "internal error")
    return JSONResponse(
        body(status if status in (404, 405) else LarkCode.INTERNAL_ERROR, msg),
        status_code=status,
        headers={"X-Tt-Logid": log_id, "X-Request-Id": log_id},
    )


def create_app(
    db_path: Path,
    app_id: str,
    app_secret: str,
    rate_limits: bool = True,
    faults: FaultSpec | None = None,
    token_ttl: int = 7200,
    *,
    clock: Callable[[], float] = time.time,
    tenant_clock: Clock | None = None,
    scopes: frozenset[str] = frozenset(ALL_SCOPES),
) -> Starlette:
    """The emulator over the tenant database at `db_path` (made by `orgstate local init`).
    `clock` drives tokens and rate limits and `tenant_clock` the engine (tests move them)."""
    emulator = Emulator(db_path, app_id, app_secret, rate_limits, faults, token_ttl, clock, tenant_clock, scopes)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        emulator.close()

    routes = [
        Route(API_PREFIX + endpoint.path, emulator.endpoint(endpoint), methods=[endpoint.method])
        for endpoint, _ in ENDPOINTS
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: http_error, 405: http_error, 500: http_error},
        lifespan=lifespan,
    )
    app.state.emulator = emulator
    return app
