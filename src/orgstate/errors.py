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
    """An operation the tenant refused, with the Open API's error code where Lark documents one
    and the id of the rule of the catalogue (orgstate.rules.catalogue) that refuses it, if any.

    The rule id follows the message, before the Lark code: "'carol' does not log in with a
    business email, so the password cannot be reset (RESET-PASSWORD) (Lark code 1050024)".
    `reason` is the message with the rule id but without the code (the emulator's `msg`).
    """

    def __init__(self, kind: ErrorKind, message: str, code: int | None = None, *, rule: str | None = None) -> None:
        reason = message if rule is None else f"{message} ({rule})"
        super().__init__(reason if code is None else f"{reason} (Lark code {code})")
        self.kind = kind
        self.code = code
        self.rule = rule
        self.reason = reason
