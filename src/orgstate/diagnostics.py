"""Diagnostics: what rules and the loader report, collected rather than raised.

A rule reports against a path in the merged document (`at`); the loader's
`Sources.place` turns that into the file, line, column and file-local field path
that users see (SPEC section 5 gives the JSON shape).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
DocPath = tuple[str | int, ...]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Diagnostic:
    rule: str
    severity: Severity
    message: str
    address: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    # Where the problem is in the merged document; resolved into file/line/path.
    at: DocPath | None = field(default=None, compare=False, repr=False)
    # A second place the message refers to ("also declared at ..."), for ID-UNIQUE.
    also_at: DocPath | None = field(default=None, compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def location(self) -> str:
        parts = [part for part in (self.file, self.line, self.column) if part is not None]
        return ":".join(str(part) for part in parts)

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file or "",
            self.line or 0,
            self.column or 0,
            SEVERITY_ORDER[self.severity],
            self.rule,
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "address": self.address,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


def error(rule: str, message: str, at: DocPath | None = None, address: str | None = None, **extra: Any) -> Diagnostic:
    return Diagnostic(rule=rule, severity="error", message=message, at=at, address=address, **extra)


def warning(rule: str, message: str, at: DocPath | None = None, address: str | None = None, **extra: Any) -> Diagnostic:
    return Diagnostic(rule=rule, severity="warning", message=message, at=at, address=address, **extra)


def info(rule: str, message: str, at: DocPath | None = None, address: str | None = None, **extra: Any) -> Diagnostic:
    return Diagnostic(rule=rule, severity="info", message=message, at=at, address=address, **extra)


CLIPPED = 64  # characters of a value a message quotes


def clip(value: str, limit: int = CLIPPED) -> str:
    """A value from a user's file as a message quotes it: one line, at most `limit`
    characters (a message must not carry a file's contents)."""
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_path(path: DocPath) -> str:
    """('members', 3, 'job', 'manager') -> 'members[3].job.manager'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(diagnostic.is_error for diagnostic in diagnostics)
