"""The Open API's error codes (reference/lark-open-api.md), named, and how a client reads
them: which mean "not found", "taken", "not allowed", "retry" or "renew the token".

Codes the reference does not list are marked: the client meets them on the live service
(or the emulator chose them where the reference names none: see emulator/envelope.py)."""

from __future__ import annotations

from enum import IntEnum

from orgstate.errors import ErrorKind


class LarkCode(IntEnum):
    # authentication and the platform
    BAD_TOKEN_REQUEST = 10003  # app_id / app_secret missing or not strings (not in the reference)
    WRONG_CREDENTIALS = 10014  # "app secret invalid" (not in the reference)
    RATE_LIMITED = 99991400  # "request trigger frequency limit"
    NO_TOKEN = 99991661
    INVALID_TOKEN = 99991663  # invalid or expired tenant token
    INVALID_TENANT_TOKEN = 99991665
    MISSING_PERMISSION = 99991672  # missing permission scope
    FIELD_VALIDATION_FAILED = 99992402  # the platform's generic "field validation failed"
    # requests in general
    PROCESS_FAILED = 40002  # "process failed" (not in the reference)
    INTERNAL_ERROR = 40003  # "internal error" (not in the reference)
    DEPARTMENT_NOT_FOUND = 40004  # "no dept authority": a department the app cannot see
    PAGE_SIZE_INVALID = 40011
    PAGE_TOKEN_INVALID = 40012
    DUPLICATE_NAME = 40018  # "duplicate name error" (not in the reference)
    IDEMPOTENCY_MISMATCH = 40021  # a client_token reused with other parameters
    NOT_FOUND = 40404  # (not in the reference)
    # users
    MOBILE_EXISTS = 41001
    EMAIL_EXISTS = 41002
    INSUFFICIENT_SEATS = 41007
    PLAN_MEMBER_LIMIT = 41008
    USER_ID_EXISTS = 41011
    USER_GONE = 41012  # (not in the reference)
    USER_NOT_FOUND = 41050  # "no user authority": a user the app cannot see
    INVALID_ACCEPTOR = 41052
    CONCURRENT_UPDATE = 44025  # a concurrent-update lock: retry
    RESTORE_WINDOW_PASSED = 44028
    RESTORE_MOBILE_TAKEN = 44030
    RESTORE_EMAIL_TAKEN = 44031
    RESTORE_USER_ID_TAKEN = 44032
    NOT_DELETED = 44033
    CANNOT_FREEZE_FOUNDER = 44036
    CANNOT_DELETE_ADMIN = 44037
    SEAT_REQUIRED = 44046
    UNKNOWN_SEAT = 44047
    INVALID_SEAT = 44048
    SEAT_PERMISSION = 44050
    EMPLOYEE_ID_EXISTS = 44051
    # user groups
    GROUP_GONE = 42004  # (not in the reference)
    GROUP_MEMBER_EXISTS = 42005
    GROUP_LIMIT = 42016
    GROUP_HAS_MEMBERS = 42017
    # departments
    DEPARTMENT_ORDER_EXISTS = 43005
    DEPARTMENT_HAS_MEMBERS = 43011
    DEPARTMENT_HAS_CHILDREN = 43012
    DEPARTMENT_GONE = 43013  # (not in the reference)
    DEPARTMENT_LOCKED = 43024  # a concurrency lock: retry
    DEPARTMENT_BUSY = 43030  # a concurrency lock: retry
    # passwords
    PASSWORD_FORMAT = 1050022
    PASSWORD_DAILY_LIMIT = 1050023
    PASSWORD_EMAIL_MISMATCH = 1050024


# The app's id or secret was refused: no retry can help.
CREDENTIALS_REFUSED = frozenset({LarkCode.BAD_TOKEN_REQUEST, LarkCode.WRONG_CREDENTIALS})
# The tenant token is missing or stale: fetch a new one and send the request again.
TOKEN_INVALID = frozenset({LarkCode.NO_TOKEN, LarkCode.INVALID_TOKEN, LarkCode.INVALID_TENANT_TOKEN})
# Concurrent-update locks: the reference says "retry".
RETRY = frozenset({LarkCode.CONCURRENT_UPDATE, LarkCode.DEPARTMENT_LOCKED, LarkCode.DEPARTMENT_BUSY})
NOT_FOUND = frozenset(
    {
        LarkCode.DEPARTMENT_NOT_FOUND,
        LarkCode.USER_NOT_FOUND,
        LarkCode.NOT_FOUND,
        LarkCode.USER_GONE,
        LarkCode.DEPARTMENT_GONE,
        LarkCode.GROUP_GONE,
    }
)
# An id, name or value some other object already holds.
CONFLICT = frozenset(
    {
        LarkCode.MOBILE_EXISTS,
        LarkCode.EMAIL_EXISTS,
        LarkCode.USER_ID_EXISTS,
        LarkCode.EMPLOYEE_ID_EXISTS,
        LarkCode.DEPARTMENT_ORDER_EXISTS,
        LarkCode.IDEMPOTENCY_MISMATCH,
        LarkCode.RESTORE_MOBILE_TAKEN,
        LarkCode.RESTORE_EMAIL_TAKEN,
        LarkCode.RESTORE_USER_ID_TAKEN,
    }
)
PERMISSION = frozenset({LarkCode.SEAT_PERMISSION, LarkCode.MISSING_PERMISSION})
INVALID = frozenset(
    {LarkCode.PAGE_SIZE_INVALID, LarkCode.PAGE_TOKEN_INVALID, LarkCode.INVALID_ACCEPTOR, LarkCode.PASSWORD_FORMAT}
)


def kind_for(code: int) -> ErrorKind:
    """The kind of a refusal with this code; a console rule unless known otherwise."""
    for kind, codes in (
        (ErrorKind.NOT_FOUND, NOT_FOUND),
        (ErrorKind.CONFLICT, CONFLICT),
        (ErrorKind.PERMISSION, PERMISSION),
        (ErrorKind.INVALID, INVALID),
    ):
        if code in codes:
            return kind
    return ErrorKind.RULE
