"""The Open API envelope `{code, msg, data}` and how errors map onto it.

A refusal of the tenant engine carries its Lark code when the reference documents
one (`TenantError.code`, see orgstate.lark.codes). When it does not, the
emulator answers with `GENERIC_CODES[kind]`: codes Lark uses for that kind of
refusal, chosen by the emulator where the reference names none (marked below).
Every error is HTTP 400 except where noted in app.py (404 unknown path, 405 wrong
method, 429 rate limit, 500/502 injected faults).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from orgstate.errors import ApiError, ErrorKind, TenantError
from orgstate.lark.codes import LarkCode

GENERIC_CODES: dict[ErrorKind, LarkCode] = {
    ErrorKind.INVALID: LarkCode.FIELD_VALIDATION_FAILED,
    # emulator's choice: "no user authority" (no such object visible)
    ErrorKind.NOT_FOUND: LarkCode.USER_NOT_FOUND,
    ErrorKind.CONFLICT: LarkCode.DUPLICATE_NAME,  # emulator's choice (an id or name is taken)
    ErrorKind.RULE: LarkCode.PROCESS_FAILED,  # emulator's choice (a console rule refuses it)
    ErrorKind.PERMISSION: LarkCode.MISSING_PERMISSION,  # the acting identity lacks the rights
    ErrorKind.RETRY: LarkCode.CONCURRENT_UPDATE,  # "concurrent-update lock": retry
}


def code_for(error: TenantError) -> int:
    return int(error.code) if error.code is not None else GENERIC_CODES[error.kind]


def from_tenant_error(error: TenantError) -> ApiError:
    return ApiError(code_for(error), error.reason)


def body(code: int, msg: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": {} if data is None else data}


def new_log_id() -> str:
    """A request's log id, shaped like Lark's (timestamp + random hex)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(12).upper()
