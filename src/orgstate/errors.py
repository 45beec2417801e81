"""The exception tree. The CLI is the one place that catches OrgstateError; the internal
signals below are caught by the module that raises them.

OrgstateError                 user-facing failure: one clear line, exit 1
+-- ConfigError               the configuration cannot be read (carries diagnostics)
+-- UsageError                a command was called in a way that cannot work
+-- TenantError               the tenant refused an operation (kind + Lark code)
+-- LarkUnavailable           the Open API kept failing after every retry
+-- ScimUnavailable           a SCIM service provider kept failing after every retry
+-- StalePlan                 the tenant changed since the plan was made
+-- Interrupted               a stop was requested: apply stopped before its next change
+-- LockHeld                  another apply holds the lock
+-- LockLost                  this apply no longer holds its lock
+-- GitHubError               GitHub refused a request, or its settings are missing or wrong

Internal signals, never shown to a user as such:

YamlProblem                   a located problem in one YAML document (becomes a diagnostic)
FastPathDeclined              the fast YAML reader leaves a document to the reference reader
ApiError                      the emulator's own refusal (becomes an Open API envelope)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, DocPath

if TYPE_CHECKING:
    from orgstate.statestore.store import HolderStatus, Lock


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
    and the id of the rule of the catalogue (orgstate.catalogue) that refuses it, if any.

    The rule id follows the message, before the Lark code: "'carol' does not log in with a
    business email, so the password cannot be reset (RESET-PASSWORD) (Lark code 1050024)".
    `reason` is the message with the rule id but without the code (the emulator's `msg`).
    """

    def __init__(self, kind: ErrorKind, message: str, code: int | None = None, *, rule: RuleId | None = None) -> None:
        reason = message if rule is None else f"{message} ({rule})"
        super().__init__(reason if code is None else f"{reason} (Lark code {code})")
        self.kind = kind
        self.code = code
        self.rule = rule
        self.reason = reason


class LarkUnavailable(OrgstateError):
    """The service kept failing after every retry."""


class ScimUnavailable(OrgstateError):
    """A SCIM service provider kept failing after every retry."""


class StalePlan(OrgstateError):
    pass


class Interrupted(OrgstateError):
    """A stop was requested (SIGINT, SIGTERM): the run stopped before its next change."""


class LockHeld(OrgstateError):
    """Another apply holds the lock; the message (statestore.store.lock_held) names it."""

    def __init__(self, message: str, lock: Lock, status: HolderStatus) -> None:
        super().__init__(message)
        self.lock = lock
        self.status = status


class LockLost(OrgstateError):
    """The run no longer holds its lock: someone broke it (orgstate unlock) or took it over."""

    def __init__(self, lock: Lock, current: Lock | None) -> None:
        now = f"lock {current.id} is now held by {current.holder}" if current else "no lock is held now"
        super().__init__(
            f"this apply no longer holds its lock {lock.id}: it was broken (orgstate unlock) or taken over ({now}); "
            "stopped before the next change"
        )
        self.lock = lock
        self.current = current


class GitHubError(OrgstateError):
    """A request to GitHub failed (refused, not found, unreachable), or the environment
    that names the repository, the pull request or the token is missing or wrong."""


# Not frozen: Python (and test runners) assign an exception's __traceback__ as it travels.
@dataclass
class YamlProblem(Exception):
    """A problem in one document, at a 1-based line and column."""

    message: str
    line: int
    column: int
    duplicate_key: bool = False
    path: DocPath = ()

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class FastPathDeclined(Exception):
    """The fast path does not vouch for this document: the reference reader decides."""


class ApiError(Exception):
    """A refusal the emulator itself makes (before or beside the engine)."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status
