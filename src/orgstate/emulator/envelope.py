"""The Open API envelope `{code, msg, data}` and how errors map onto it.

A refusal of the tenant engine carries its Lark code when the reference documents
one (`TenantError.code`, see orgstate.tenant.codes). When it does not, the
emulator answers with `GENERIC_CODES[kind]`: codes Lark uses for that kind of
refusal, chosen by the emulator where the reference names none (marked below).
Every error is HTTP 400 except where noted in app.py (404 unknown path, 405 wrong
method, 429 rate limit, 500/502 injected faults).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from orgstate.errors import ErrorKind, TenantError

FIELD_VALIDATION_FAILED = 99992402  # Open Platform's generic "field validation failed"
INTERNAL_ERROR = 40003  # "internal error" (contact API); used by the 5xx fault
PAGE_SIZE_INVALID = 40011
PAGE_TOKEN_INVALID = 40012
USER_NOT_FOUND = 41050  # "no user authority": what the contact API answers for a user it cannot see
DEPARTMENT_NOT_FOUND = 40004  # "no dept authority": the same for a department

GENERIC_CODES: dict[ErrorKind, int] = {
    ErrorKind.INVALID: FIELD_VALIDATION_FAILED,  # "field validation failed"
    ErrorKind.NOT_FOUND: USER_NOT_FOUND,  # emulator's choice: "no user authority" (no such object visible)
    ErrorKind.CONFLICT: 40018,  # emulator's choice: "duplicate name error" (an id or name is taken)
    ErrorKind.RULE: 40002,  # emulator's choice: "process failed" (a console rule refuses it)
    ErrorKind.PERMISSION: 99991672,  # "missing permission": the acting identity lacks the rights
    ErrorKind.RETRY: 44025,  # "concurrent-update lock": retry
}


class ApiError(Exception):
    """A refusal the emulator itself makes (before or beside the engine)."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status


def code_for(error: TenantError) -> int:
    return int(error.code) if error.code is not None else GENERIC_CODES[error.kind]


def from_tenant_error(error: TenantError) -> ApiError:
    return ApiError(code_for(error), error.reason)


def body(code: int, msg: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": {} if data is None else data}


def new_log_id() -> str:
    """A request's log id, shaped like Lark's (timestamp + random hex)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(12).upper()
