"""The exception tree. The CLI is the one place that catches these.

OrgstateError                 user-facing failure: one clear line, exit 1
+-- ConfigError               the configuration cannot be read (carries diagnostics)
+-- UsageError                a command was called in a way that cannot work
+-- TenantError               the tenant refused an operation (kind + Lark code)
"""

from __future__ import annotations

from enum import Enum

from orgstate.diagnostics import Diagnostic


class OrgstateError(Exception):
    exit_code = 1


class ConfigError(OrgstateError):
    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


class UsageError(OrgstateError):
    pass


class ErrorKind(Enum):
    """What kind of refusal, so that callers branch on meaning, not on message text."""

    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # a unique value is taken, or the object already exists
    RULE = "rule"  # a rule of the console forbids it (seats, admins, windows, ...)
    PERMISSION = "permission"  # the acting admin lacks the rights
    INVALID = "invalid"  # a malformed request
    RETRY = "retry"  # a concurrent update holds the object; trying again may succeed


class TenantError(OrgstateError):
    """An operation the tenant refused, with the Open API's error code where Lark documents one."""

    def __init__(self, kind: ErrorKind, message: str, code: int | None = None) -> None:
        super().__init__(message if code is None else f"{message} (Lark code {code})")
        self.kind = kind
        self.code = code
        self.reason = message
