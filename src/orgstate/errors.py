"""The exception tree. The CLI is the one place that catches these.

OrgstateError                 user-facing failure: one clear line, exit 1
+-- ConfigError               the configuration cannot be read (carries diagnostics)
+-- UsageError                a command was called in a way that cannot work
"""

from __future__ import annotations

from orgstate.diagnostics import Diagnostic


class OrgstateError(Exception):
    exit_code = 1


class ConfigError(OrgstateError):
    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


class UsageError(OrgstateError):
    pass
